package dev.corral.store;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A key as stored: never the key itself, only its HMAC.
 *
 * @param models model name patterns ("llama3*", "qwen2.5:7b"); empty means every model
 * @param expiresAt null for never
 * @param revokedAt null while the key is valid
 * @param limits    the key's own limits over the configured defaults
 * @param rotation  the secret before the last rotation and until when it still works, or null
 */
public record KeyRecord(String id, String name, byte[] hmac, Set<Scope> scopes, List<String> models,
                        Instant createdAt, Instant expiresAt, Instant revokedAt, KeyLimits limits, Rotation rotation) {

    /** After {@code corral keys rotate}: the old secret's HMAC keeps working until {@code until}. */
    public record Rotation(byte[] previousHmac, Instant until) {
        public boolean activeAt(Instant now) {
            return now.isBefore(until);
        }
    }

    public KeyRecord(String id, String name, byte[] hmac, Set<Scope> scopes, List<String> models, Instant createdAt,
                     Instant expiresAt, Instant revokedAt, KeyLimits limits) {
        this(id, name, hmac, scopes, models, createdAt, expiresAt, revokedAt, limits, null);
    }

    public KeyRecord(String id, String name, byte[] hmac, Set<Scope> scopes, List<String> models, Instant createdAt,
                     Instant expiresAt, Instant revokedAt) {
        this(id, name, hmac, scopes, models, createdAt, expiresAt, revokedAt, KeyLimits.DEFAULTS);
    }

    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    public String status(Instant now) {
        if (revokedAt != null) {
            return "revoked";
        }
        return expiredAt(now) ? "expired" : "active";
    }
}
