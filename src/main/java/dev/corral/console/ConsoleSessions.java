package dev.corral.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The console's sign-in sessions, in memory: a random cookie token (kept only as its SHA-256, like
 * every secret Corral holds), the actor it stands for, a CSRF token the page must send back with
 * every call, and a fixed end. A session of an admin key ends as soon as that key is revoked or
 * expires; a restart ends them all.
 */
public final class ConsoleSessions {
    /** How long a session lasts from sign-in; there is no renewal: sign in again. */
    public static final Duration LIFETIME = Duration.ofHours(8);
    private static final int MAX_SESSIONS = 1000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * One session. {@code keyId} is the admin key it was opened with (null for a local sign-in
     * through the admin socket).
     */
    public record Session(String actor, String keyId, String csrf, Instant expires) {
        /** Whether {@code presented} is this session's CSRF token (compared in constant time). */
        public boolean csrfMatches(String presented) {
            return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII),
                    csrf.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** A session just opened, with the cookie token the browser holds (never stored). */
    public record Opened(String token, Session session) {}

    private final Map<String, Session> byHash = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Predicate<String> keyActive;

    /** @param keyActive whether an admin key id is still usable (not revoked, not expired, still admin) */
    public ConsoleSessions(Clock clock, Predicate<String> keyActive) {
        this.clock = clock;
        this.keyActive = keyActive;
    }

    public Opened open(String actor, String keyId) {
        Instant now = clock.instant();
        byHash.values().removeIf(s -> !s.expires().isAfter(now));
        if (byHash.size() >= MAX_SESSIONS) {
            // the oldest go first; a flood of sign-ins (each needing an admin key) cannot grow memory
            byHash.entrySet().stream().min(Map.Entry.comparingByValue(java.util.Comparator.comparing(Session::expires)))
                    .ifPresent(e -> byHash.remove(e.getKey()));
        }
        String token = random();
        Session s = new Session(actor, keyId, random(), now.plus(LIFETIME));
        byHash.put(hash(token), s);
        return new Opened(token, s);
    }

    /** The live session for a cookie token: not expired, and its admin key still usable. */
    public Optional<Session> find(String token) {
        if (token == null || token.isEmpty() || token.length() > 100) {
            return Optional.empty();
        }
        String h = hash(token);
        Session s = byHash.get(h);
        if (s == null) {
            return Optional.empty();
        }
        if (!s.expires().isAfter(clock.instant()) || (s.keyId() != null && !keyActive.test(s.keyId()))) {
            byHash.remove(h);
            return Optional.empty();
        }
        return Optional.of(s);
    }

    /** Signs out: the token no longer opens anything. */
    public void end(String token) {
        if (token != null) {
            byHash.remove(hash(token));
        }
    }

    public int size() {
        return byHash.size();
    }

    private static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
