package dev.corral.access;

import dev.corral.store.KeyRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.time.Instant;

/**
 * Turns a presented credential into a principal, or a failure. For a key every path does the same
 * work, one HMAC and one constant-time comparison, so neither the body nor the timing of the 401
 * tells a missing key from an unknown, revoked or expired one; a signature is verified with the key it
 * carries before that key is looked up, so an unregistered key costs what a registered one does.
 */
public final class Authenticator {
    /**
     * A principal, or why not.
     *
     * @param detail what the client may be told beyond the plain 401 (how to fix the request), or null
     */
    public record Result(Principal principal, AuthFailure failure, String keyId, String detail) {
        public Result(Principal principal, AuthFailure failure, String keyId) {
            this(principal, failure, keyId, null);
        }

        public boolean ok() {
            return principal != null;
        }

        static Result fail(AuthFailure f, String detail) {
            return new Result(null, f, null, detail);
        }
    }

    /**
     * What a signed request says of itself: its method, its path as classified (decoded, without a
     * prefix a proxy removed), its raw query, and whether it arrived over TLS or from loopback.
     */
    public record SignedRequest(String method, String path, String rawQuery, boolean secure) {}

    /** How far a signature's ts may be from this clock, either way, by default. */
    public static final Duration DEFAULT_SIGNATURE_WINDOW = Duration.ofSeconds(60);

    private static final String DUMMY_KEY = "crl_000000000000_" + "0".repeat(ApiKey.SECRET_LENGTH);

    private final KeyDirectory keys;
    private final KeyHasher hasher;
    private final Clock clock;
    private final byte[] dummyHmac;
    private final Duration signatureWindow;
    private final BasicLogins basicLogins;
    private final OidcTokens tokens;

    public Authenticator(KeyDirectory keys, KeyHasher hasher, Clock clock) {
        this(keys, hasher, clock, DEFAULT_SIGNATURE_WINDOW, null);
    }

    /**
     * @param signatureWindow how far an ollama CLI signature's ts may be from this clock, either way
     * @param basicLogins     checks Basic passwords; null refuses every Basic credential as unknown
     */
    public Authenticator(KeyDirectory keys, KeyHasher hasher, Clock clock, Duration signatureWindow, BasicLogins basicLogins) {
        this(keys, hasher, clock, signatureWindow, basicLogins, null);
    }

    /** @param tokens verifies JWTs of the configured identity providers; null: none is configured */
    public Authenticator(KeyDirectory keys, KeyHasher hasher, Clock clock, Duration signatureWindow, BasicLogins basicLogins,
                         OidcTokens tokens) {
        this.tokens = tokens;
        this.keys = keys;
        this.hasher = hasher;
        this.clock = clock;
        this.dummyHmac = hasher.hash("corral-dummy-" + DUMMY_KEY);
        this.signatureWindow = signatureWindow;
        this.basicLogins = basicLogins;
    }

    /**
     * The authenticator of a running server, as auth.* configures it; {@code owner} is handed the bcrypt
     * and JWT pools, to close them when the server stops.
     */
    public static Authenticator of(KeyDirectory keys, KeyHasher hasher, Clock clock, dev.corral.config.Settings.Auth auth,
                                   java.util.function.Consumer<AutoCloseable> owner) {
        BasicLogins basic = BasicLogins.from(keys, hasher, clock, auth);
        owner.accept(basic);
        OidcTokens jwt = auth.oidc().isEmpty() ? null : new OidcTokens(auth.oidc(), auth.jwtClockSkew(), auth.jwksMinRefresh());
        if (jwt != null) {
            owner.accept(jwt);
        }
        return new Authenticator(keys, hasher, clock, auth.signatureWindow(), basic, jwt);
    }

    /** Whether JWT-shaped bearer tokens are read as JWTs: some identity provider is configured. */
    public boolean acceptsJwt() {
        return tokens != null && tokens.enabled();
    }

    /** The principal of a JWT bearer token; completes on the JWT pool (fetching keys may wait on the network). */
    public CompletableFuture<Result> jwt(Credentials.Presented presented) {
        if (!acceptsJwt()) {
            return CompletableFuture.completedFuture(authenticate(presented)); // no provider: as an unknown key
        }
        return tokens.verify(presented.key()).thenApply(v -> v.principal() != null
                ? new Result(v.principal(), null, v.principal().keyId())
                : Result.fail(v.failure(), v.detail()));
    }

    /** Whether a 401 should offer Basic: some user signs in with it. */
    public boolean offersBasic() {
        return basicLogins != null && keys.hasBasicUsers();
    }

    /**
     * The principal of a Basic user and password, only over TLS or from loopback. Completes at once
     * when the answer is known without bcrypt (a channel in clear, a remembered success, a full
     * pool), else on a bcrypt thread.
     */
    public CompletableFuture<Result> basic(Credentials.Presented presented, boolean secure) {
        if (!secure) {
            return CompletableFuture.completedFuture(Result.fail(AuthFailure.INSECURE, "unauthorized: Basic credentials"
                    + " are accepted only over TLS or from loopback; use https://"));
        }
        if (basicLogins == null) {
            return CompletableFuture.completedFuture(Result.fail(AuthFailure.UNKNOWN, null));
        }
        return basicLogins.check(presented.user(), presented.password()).thenApply(c -> switch (c.verdict()) {
            case MATCH -> standing(c.entry());
            case NO_MATCH -> Result.fail(AuthFailure.UNKNOWN, null);
            case BUSY -> Result.fail(AuthFailure.BUSY, "too many password checks at once; try again shortly");
        });
    }

    /**
     * The principal of an {@code ollama} CLI signature ({@link OllamaSignature}): only over TLS or from
     * loopback (the body is not signed), with the query's ts within the window, verified over the
     * request's own method, path and ts, by a key registered with {@code corral keys add-ssh}.
     */
    public Result signature(Credentials.Presented presented, SignedRequest request) {
        if (!request.secure()) {
            return Result.fail(AuthFailure.INSECURE, "unauthorized: signed requests are accepted only over TLS"
                    + " or from loopback (the body is not signed); use an https:// OLLAMA_HOST");
        }
        OllamaSignature.Parsed parsed;
        try {
            parsed = OllamaSignature.parse(presented.key());
        } catch (IllegalArgumentException e) {
            boolean type = e.getMessage().contains("only ssh-ed25519");
            return Result.fail(type ? AuthFailure.UNSUPPORTED_KEY : AuthFailure.MALFORMED,
                    "unauthorized: " + e.getMessage());
        }
        String ts = OllamaSignature.ts(request.rawQuery());
        if (ts == null) {
            return Result.fail(AuthFailure.STALE, "unauthorized: a signed request carries its signing time once in"
                    + " the query, ts=<unix seconds>, as the ollama CLI sends it");
        }
        long skew = Math.abs(clock.instant().getEpochSecond() - Long.parseLong(ts));
        if (skew > signatureWindow.toSeconds()) {
            return Result.fail(AuthFailure.STALE, "unauthorized: the request was signed more than "
                    + signatureWindow.toSeconds() + " s from the gateway's time; check the client's clock");
        }
        if (!OllamaSignature.verify(parsed, OllamaSignature.challenge(request.method(), request.path(), ts))) {
            return Result.fail(AuthFailure.BAD_SIGNATURE, null);
        }
        KeyDirectory.Entry entry = keys.bySshKey(parsed.key().blob());
        if (entry == null) {
            return Result.fail(AuthFailure.UNKNOWN, null);
        }
        return standing(entry);
    }

    /** A known key's principal, unless it is revoked or expired. */
    private Result standing(KeyDirectory.Entry entry) {
        String id = entry.record().id();
        if (entry.record().revokedAt() != null) {
            return new Result(null, AuthFailure.REVOKED, id);
        }
        if (entry.record().expiredAt(clock.instant())) {
            return new Result(null, AuthFailure.EXPIRED, id);
        }
        return new Result(entry.principal(), null, id);
    }

    /**
     * A principal for a key id proven by other means (a verified TLS client certificate mapped to
     * it): the key must exist and be neither revoked nor expired.
     */
    public Result byKeyId(String id) {
        KeyDirectory.Entry entry = keys.get(id);
        if (entry == null) {
            return new Result(null, AuthFailure.UNKNOWN, null);
        }
        if (entry.record().revokedAt() != null) {
            return new Result(null, AuthFailure.REVOKED, id);
        }
        if (entry.record().expiredAt(clock.instant())) {
            return new Result(null, AuthFailure.EXPIRED, id);
        }
        return new Result(entry.principal(), null, id);
    }

    public Result authenticate(Credentials.Presented presented) {
        return authenticate(presented, null);
    }

    /** As {@link #authenticate(Credentials.Presented)}, with the HMAC of a key presented again on the same connection remembered in {@code memo} (may be null). */
    public Result authenticate(Credentials.Presented presented, KeyHashMemo memo) {
        if (presented.failure() == null && presented.kind() != Credentials.Kind.KEY) {
            // Only a key is a key here (also on the admin API): a signature, Basic or JWT is no key at all.
            presented = Credentials.Presented.fail(AuthFailure.MALFORMED);
        }
        if (presented.failure() != null) {
            KeyHasher.matches(dummyHmac, hasher.hash(DUMMY_KEY));
            return new Result(null, presented.failure(), null);
        }
        String key = presented.key();
        String id = ApiKey.idOf(key);
        KeyDirectory.Entry entry = id == null ? null : keys.get(id);
        byte[] expected = entry == null ? dummyHmac : entry.record().hmac();
        byte[] presentedHmac = id == null ? hasher.hash(DUMMY_KEY) : memo == null ? hasher.hash(key) : memo.hash(key, hasher);
        boolean match = KeyHasher.matches(expected, presentedHmac);
        KeyRecord.Rotation rotation = entry == null ? null : entry.record().rotation();
        if (!match && rotation != null && rotation.activeAt(clock.instant())) {
            match = KeyHasher.matches(rotation.previousHmac(), presentedHmac); // the old secret, within its grace
        }
        if (id == null) {
            return new Result(null, AuthFailure.MALFORMED, null);
        }
        if (entry == null || !match) {
            return new Result(null, AuthFailure.UNKNOWN, null);
        }
        KeyRecord record = entry.record();
        if (record.revokedAt() != null) {
            return new Result(null, AuthFailure.REVOKED, id);
        }
        Instant now = clock.instant();
        if (record.expiredAt(now)) {
            return new Result(null, AuthFailure.EXPIRED, id);
        }
        return new Result(entry.principal(), null, id);
    }
}
