package dev.corral.access;

import dev.corral.store.Scope;
import dev.corral.store.KeyLimits;
import dev.corral.store.KeyRecord;
import dev.corral.audit.Actions;
import dev.corral.audit.Audit;
import dev.corral.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The key operations an operator performs: create, list, show, change limits, revoke. The same
 * code runs in the server (for the CLI, through the admin socket, so a change is in force when
 * the command returns) and in the CLI against the store directly when no server is running.
 * Invalid input is an {@link IllegalArgumentException} whose message names the field. Every
 * change is written to the audit log with its actor once it is in the store.
 */
public final class KeyManager {
    /** A key to create; {@code expiresAt} null for never. */
    public record Spec(String name, Set<Scope> scopes, List<String> models, Instant expiresAt, KeyLimits limits) {}

    /** What a revocation did. */
    public enum Revoked { REVOKED, ALREADY_REVOKED, NOT_FOUND }

    private final Store store;
    private final KeyIssuer issuer;
    private final KeyHasher hasher;
    private final Clock clock;
    private final Audit audit;

    public KeyManager(Store store, KeyHasher hasher, Clock clock, Audit audit) {
        this.store = store;
        this.issuer = new KeyIssuer(store, hasher, clock);
        this.hasher = hasher;
        this.clock = clock;
        this.audit = audit;
    }

    public KeyIssuer.Issued create(Spec spec, String actor) {
        KeyIssuer.Issued issued = issuer.create(spec.name(), spec.scopes(), spec.models(), spec.expiresAt(),
                spec.limits() == null ? KeyLimits.DEFAULTS : spec.limits());
        KeyRecord r = issued.record();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", r.name());
        details.put("scopes", r.scopes().stream().map(Scope::id).sorted().toList());
        details.put("models", r.models());
        details.put("expires_at", r.expiresAt() == null ? null : r.expiresAt().toString());
        details.put("limits", r.limits().describe());
        audit.record(actor, Actions.KEY_CREATE, r.id(), details);
        return issued;
    }

    public List<KeyRecord> list() {
        return store.listKeys();
    }

    public Optional<KeyRecord> find(String id) {
        return store.findKey(id);
    }

    /** Applies {@code update} over the key's limits (negative fields go back to the defaults); empty when there is no such key. */
    public Optional<KeyRecord> updateLimits(String id, KeyLimits update, String actor) {
        Optional<KeyRecord> k = store.findKey(id);
        if (k.isEmpty()) {
            return k;
        }
        KeyLimits next = k.get().limits().with(update);
        store.updateKeyLimits(id, next);
        audit.record(actor, Actions.KEY_UPDATE, id, Map.of("limits", next.describe(), "was", k.get().limits().describe()));
        return store.findKey(id);
    }

    /**
     * Sets an active key's scopes and model patterns (null: unchanged). The admin scope is neither
     * given nor taken here: a secret handed out for inference must not become an admin key, nor an
     * admin key's a client's; make a new key instead. Empty when there is no such active key.
     */
    public Optional<KeyRecord> updateAccess(String id, Set<Scope> scopes, List<String> models, String actor) {
        Optional<KeyRecord> k = store.findKey(id);
        if (k.isEmpty() || k.get().revokedAt() != null) {
            return Optional.empty();
        }
        KeyRecord was = k.get();
        Set<Scope> nextScopes = scopes == null ? was.scopes() : scopes;
        List<String> nextModels = models == null ? was.models() : models;
        if (nextScopes.isEmpty()) {
            throw new IllegalArgumentException("scopes: at least one (meta, inference)");
        }
        if (was.scopes().contains(Scope.ADMIN) != nextScopes.contains(Scope.ADMIN)) {
            throw new IllegalArgumentException("scopes: the admin scope cannot be given to or taken from a key;"
                    + " create a new key instead (corral keys create --scope admin)");
        }
        if (!store.updateKeyAccess(id, nextScopes, nextModels)) {
            return Optional.empty();
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("scopes", nextScopes.stream().map(Scope::id).sorted().toList());
        details.put("models", nextModels);
        details.put("was_scopes", was.scopes().stream().map(Scope::id).sorted().toList());
        details.put("was_models", was.models());
        audit.record(actor, Actions.KEY_UPDATE, id, details);
        return store.findKey(id);
    }

    /**
     * A new secret for the key; the old one keeps working for {@code grace} (zero: it stops now).
     * Empty for an unknown or revoked key.
     */
    public Optional<KeyIssuer.Issued> rotate(String id, java.time.Duration grace, String actor) {
        Optional<KeyRecord> k = store.findKey(id);
        if (k.isEmpty() || k.get().revokedAt() != null) {
            return Optional.empty();
        }
        String key = ApiKey.withSecret(id);
        Instant until = grace.isZero() ? null : clock.instant().plus(grace);
        if (!store.rotateKey(id, hasher.hash(key), k.get().hmac(), until)) {
            return Optional.empty();
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("grace_seconds", grace.toSeconds());
        details.put("grace_ends", until == null ? null : until.toString());
        audit.record(actor, Actions.KEY_ROTATE, id, details);
        return store.findKey(id).map(r -> new KeyIssuer.Issued(r, key));
    }

    public Revoked revoke(String id, String actor) {
        Optional<KeyRecord> k = store.findKey(id);
        if (k.isEmpty()) {
            return Revoked.NOT_FOUND;
        }
        if (!store.revokeKey(id, clock.instant())) {
            return Revoked.ALREADY_REVOKED;
        }
        audit.record(actor, Actions.KEY_REVOKE, id, Map.of("name", k.get().name()));
        return Revoked.REVOKED;
    }
}
