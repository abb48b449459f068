package dev.corral.auth;

import dev.corral.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The key operations an operator performs: create, list, show, change limits, revoke. The same
 * code runs in the server (for the CLI, through the admin socket, so a change is in force when
 * the command returns) and in the CLI against the store directly when no server is running.
 * Invalid input is an {@link IllegalArgumentException} whose message names the field.
 */
public final class KeyManager {
    /** A key to create; {@code expiresAt} null for never. */
    public record Spec(String name, Set<Scope> scopes, List<String> models, Instant expiresAt, KeyLimits limits) {}

    /** What a revocation did. */
    public enum Revoked { REVOKED, ALREADY_REVOKED, NOT_FOUND }

    private final Store store;
    private final KeyIssuer issuer;
    private final Clock clock;

    public KeyManager(Store store, KeyHasher hasher, Clock clock) {
        this.store = store;
        this.issuer = new KeyIssuer(store, hasher, clock);
        this.clock = clock;
    }

    public KeyIssuer.Issued create(Spec spec) {
        return issuer.create(spec.name(), spec.scopes(), spec.models(), spec.expiresAt(),
                spec.limits() == null ? KeyLimits.DEFAULTS : spec.limits());
    }

    public List<KeyRecord> list() {
        return store.listKeys();
    }

    public Optional<KeyRecord> find(String id) {
        return store.findKey(id);
    }

    /** Applies {@code update} over the key's limits (negative fields go back to the defaults); empty when there is no such key. */
    public Optional<KeyRecord> updateLimits(String id, KeyLimits update) {
        Optional<KeyRecord> k = store.findKey(id);
        if (k.isEmpty()) {
            return k;
        }
        KeyLimits next = k.get().limits().with(update);
        store.updateKeyLimits(id, next);
        return store.findKey(id);
    }

    public Revoked revoke(String id) {
        if (store.findKey(id).isEmpty()) {
            return Revoked.NOT_FOUND;
        }
        return store.revokeKey(id, clock.instant()) ? Revoked.REVOKED : Revoked.ALREADY_REVOKED;
    }
}
