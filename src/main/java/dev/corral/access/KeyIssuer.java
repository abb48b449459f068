package dev.corral.access;

import dev.corral.store.Scope;
import dev.corral.store.KeyLimits;
import dev.corral.store.KeyRecord;
import dev.corral.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/** Makes keys: a fresh random key, stored as its HMAC; the key itself is returned once and never kept. */
public final class KeyIssuer {
    /** The stored record and the key, which the caller shows once. */
    public record Issued(KeyRecord record, String key) {}

    private final Store store;
    private final KeyHasher hasher;
    private final Clock clock;

    public KeyIssuer(Store store, KeyHasher hasher, Clock clock) {
        this.store = store;
        this.hasher = hasher;
        this.clock = clock;
    }

    public Issued create(String name, Set<Scope> scopes, List<String> models, Instant expiresAt) {
        return create(name, scopes, models, expiresAt, KeyLimits.DEFAULTS);
    }

    public Issued create(String name, Set<Scope> scopes, List<String> models, Instant expiresAt, KeyLimits limits) {
        if (name == null || name.isBlank() || name.length() > 100 || !name.matches("[\\p{L}\\p{N} ._@-]+")) {
            throw new IllegalArgumentException("--name must be 1-100 letters, digits, spaces or . _ @ -");
        }
        if (scopes.isEmpty()) {
            throw new IllegalArgumentException("a key needs at least one scope (meta, inference or admin)");
        }
        if (scopes.contains(Scope.ADMIN) && scopes.size() > 1) {
            throw new IllegalArgumentException("an admin key has only the admin scope (it never works on the public"
                    + " listener); make a separate key for inference");
        }
        Instant now = clock.instant();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw new IllegalArgumentException("the expiry must be in the future");
        }
        String key = ApiKey.generate();
        KeyRecord record = new KeyRecord(ApiKey.idOf(key), name.strip(), hasher.hash(key), Set.copyOf(scopes),
                List.copyOf(models), now, expiresAt, null, limits);
        store.createKey(record);
        return new Issued(record, key);
    }
}
