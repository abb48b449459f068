package dev.corral.access;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Checks Basic credentials against the bcrypt hashes of the users that sign in as keys, with
 * BouncyCastle's OpenBSDBCrypt, off the event loop: bcrypt at Caddy's cost 14 takes about a second,
 * so the work runs on a small bounded pool, and when it is full the attempt is refused as busy (429)
 * rather than queued without end; a flood of wrong passwords never holds up keys, which are checked on
 * the event loop without it. A successful check is remembered, keyed by an HMAC of the user and password
 * (never the password), until it expires or the user's hash changes. An unknown user is checked against
 * a dummy hash of the users' cost, so the time taken does not tell whether the user exists.
 */
public final class BasicLogins implements AutoCloseable {
    /** What a check found. */
    public enum Verdict { MATCH, NO_MATCH, BUSY }

    /** The verdict and, for a match, the key the user signs in as. */
    public record Checked(Verdict verdict, KeyDirectory.Entry entry) {}

    /** Most remembered successes; past it the memory starts over (each entry is a few dozen bytes). */
    private static final int MAX_REMEMBERED = 10_000;
    private static final int DEFAULT_COST = 10;

    private record Remembered(String hash, Instant until) {}

    private final KeyDirectory keys;
    private final KeyHasher hasher;
    private final Clock clock;
    private final Duration remember;
    private final ThreadPoolExecutor pool;
    private final Map<String, Remembered> remembered = new ConcurrentHashMap<>();
    private final Map<Integer, String> dummies = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final java.util.concurrent.atomic.AtomicLong bcryptChecks = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param threads  bcrypt checks at once
     * @param queue    checks that may wait for a thread; more are refused as busy
     * @param remember how long a successful check is remembered
     */
    public BasicLogins(KeyDirectory keys, KeyHasher hasher, Clock clock, int threads, int queue, Duration remember) {
        this.keys = keys;
        this.hasher = hasher;
        this.clock = clock;
        this.remember = remember;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(Math.max(1, queue)), r -> {
            Thread t = new Thread(r, "corral-bcrypt-" + n.incrementAndGet());
            t.setDaemon(true);
            t.setPriority(Thread.NORM_PRIORITY - 1); // keys and streams come first
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        this.pool.allowCoreThreadTimeOut(true);
    }

    /** As auth.bcrypt_threads, auth.bcrypt_queue and auth.basic_remember say. */
    static BasicLogins from(KeyDirectory keys, KeyHasher hasher, Clock clock, dev.corral.config.Settings.Auth auth) {
        return new BasicLogins(keys, hasher, clock, auth.bcryptThreads(), auth.bcryptQueue(), auth.basicRemember());
    }

    /** Checks {@code user}'s {@code password}; completes on a bcrypt thread, or at once when remembered or busy. */
    public CompletableFuture<Checked> check(String user, String password) {
        KeyDirectory.BasicUser known = keys.byBasicUser(user);
        String token = HexFormat.of().formatHex(hasher.hash("basic\n" + user + "\n" + password));
        Remembered r = remembered.get(token);
        Instant now = clock.instant();
        if (r != null && known != null && r.hash().equals(known.hash()) && now.isBefore(r.until())) {
            return CompletableFuture.completedFuture(new Checked(Verdict.MATCH, known.entry()));
        }
        if (r != null) {
            remembered.remove(token);
        }
        CompletableFuture<Checked> out = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    out.complete(verify(known, password, token));
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            out.complete(new Checked(Verdict.BUSY, null));
        }
        return out;
    }

    private Checked verify(KeyDirectory.BasicUser known, String password, String token) {
        bcryptChecks.incrementAndGet();
        char[] pw = password.toCharArray();
        if (known == null) {
            OpenBSDBCrypt.checkPassword(dummy(keys.basicCost()), pw); // as long as a real check; the answer is no
            return new Checked(Verdict.NO_MATCH, null);
        }
        boolean ok;
        try {
            ok = OpenBSDBCrypt.checkPassword(known.hash(), pw);
        } catch (IllegalArgumentException | org.bouncycastle.crypto.DataLengthException e) {
            ok = false; // a hash the store should never hold; refuse rather than fail open
        }
        if (!ok) {
            return new Checked(Verdict.NO_MATCH, null);
        }
        if (remember.isZero() || remember.isNegative()) {
            return new Checked(Verdict.MATCH, known.entry()); // nothing to remember
        }
        if (remembered.size() >= MAX_REMEMBERED) {
            remembered.clear();
        }
        remembered.put(token, new Remembered(known.hash(), clock.instant().plus(remember)));
        return new Checked(Verdict.MATCH, known.entry());
    }

    /** bcrypt checks run so far (remembered and busy answers are not checks). */
    long bcryptChecks() {
        return bcryptChecks.get();
    }

    /** A hash of a random password at {@code cost}, made once per cost. */
    private String dummy(int cost) {
        return dummies.computeIfAbsent(cost, c -> {
            byte[] salt = new byte[16];
            random.nextBytes(salt);
            byte[] pw = new byte[18];
            random.nextBytes(pw);
            return OpenBSDBCrypt.generate("2b", HexFormat.of().formatHex(pw).getBytes(StandardCharsets.US_ASCII), salt, c);
        });
    }

    /** The cost of a bcrypt hash ("$2b$14$..." is 14), or -1 when it is not one OpenBSDBCrypt reads. */
    public static int costOf(String hash) {
        if (hash == null || hash.length() != 60 || !hash.matches("\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}")) {
            return -1;
        }
        int cost = Integer.parseInt(hash.substring(4, 6));
        return cost >= 4 && cost <= 31 ? cost : -1;
    }

    /** Makes a bcrypt hash ($2b$) of {@code password} at {@code cost}, for `corral keys create --basic`. */
    public static String hash(char[] password, int cost) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return OpenBSDBCrypt.generate("2b", password, salt, cost);
    }

    static int defaultCost() {
        return DEFAULT_COST;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
