package dev.corral.access;

import dev.corral.store.KeyRecord;
import java.time.Clock;
import java.time.Instant;

/**
 * Turns a presented key into a principal, or a failure. Every path does the same work, one HMAC and
 * one constant-time comparison, so neither the body nor the timing of the 401 tells a missing key
 * from an unknown, revoked or expired one.
 */
public final class Authenticator {
    /** A principal, or why not. */
    public record Result(Principal principal, AuthFailure failure, String keyId) {
        public boolean ok() {
            return principal != null;
        }
    }

    private static final String DUMMY_KEY = "crl_000000000000_" + "0".repeat(ApiKey.SECRET_LENGTH);

    private final KeyDirectory keys;
    private final KeyHasher hasher;
    private final Clock clock;
    private final byte[] dummyHmac;

    public Authenticator(KeyDirectory keys, KeyHasher hasher, Clock clock) {
        this.keys = keys;
        this.hasher = hasher;
        this.clock = clock;
        this.dummyHmac = hasher.hash("corral-dummy-" + DUMMY_KEY);
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
        if (presented.failure() != null) {
            KeyHasher.matches(dummyHmac, hasher.hash(DUMMY_KEY));
            return new Result(null, presented.failure(), null);
        }
        String key = presented.key();
        String id = ApiKey.idOf(key);
        KeyDirectory.Entry entry = id == null ? null : keys.get(id);
        byte[] expected = entry == null ? dummyHmac : entry.record().hmac();
        byte[] presentedHmac = hasher.hash(id == null ? DUMMY_KEY : key);
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
