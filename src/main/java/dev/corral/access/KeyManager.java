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
        auditCreate(r, Map.of(), actor);
        return issued;
    }

    /**
     * A key that signs in with SSH public keys (the {@code ollama} CLI's signatures): its bearer secret is
     * drawn and dropped, never shown, so only the keys' signatures reach it. A public key already
     * registered (to this or any key) is refused, so one key never means two principals.
     */
    public KeyRecord createForSsh(Spec spec, List<SshPublicKey> sshKeys, String actor) {
        if (sshKeys.isEmpty()) {
            throw new IllegalArgumentException("no ssh-ed25519 public key given");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (SshPublicKey k : sshKeys) {
            if (!seen.add(k.blob())) {
                throw new IllegalArgumentException("the public key " + k.fingerprint() + " is given twice");
            }
        }
        for (dev.corral.store.Credential c : liveCredentials()) {
            if (c.kind().equals(dev.corral.store.Credential.SSH) && seen.contains(c.ident())) {
                throw new IllegalArgumentException("the public key " + SshPublicKey.fromBlob(c.ident()).fingerprint()
                        + " already signs in as key " + c.keyId() + " (revoke that key first)");
            }
        }
        KeyIssuer.Issued issued = issuer.create(spec.name(), spec.scopes(), spec.models(), spec.expiresAt(),
                spec.limits() == null ? KeyLimits.DEFAULTS : spec.limits());
        KeyRecord r = issued.record();
        Instant now = clock.instant();
        for (SshPublicKey k : sshKeys) {
            store.putCredential(new dev.corral.store.Credential(dev.corral.store.Credential.SSH, k.blob(), r.id(), k.line(), now));
        }
        auditCreate(r, Map.of("method", "ssh", "ssh_keys", sshKeys.stream().map(SshPublicKey::fingerprint).toList()), actor);
        return r;
    }

    /**
     * A key a Basic user signs in as, with the user's bcrypt hash (made by the CLI, or imported from a
     * Caddyfile): the key's bearer secret is drawn and dropped. A user name held by a key that is not
     * revoked is refused; one whose key was revoked is given to the new key.
     */
    public KeyRecord createForBasic(Spec spec, String user, String bcrypt, String actor) {
        checkBasicUser(user);
        int cost = BasicLogins.costOf(bcrypt);
        if (cost < 0) {
            throw new IllegalArgumentException("the password hash of " + user + " is not a bcrypt hash ($2a$, $2b$ or $2y$,"
                    + " 60 characters, as caddy hash-password makes)");
        }
        for (dev.corral.store.Credential c : liveCredentials()) {
            if (c.kind().equals(dev.corral.store.Credential.BASIC) && c.ident().equals(user)) {
                throw new IllegalArgumentException("the Basic user " + user + " already signs in as key " + c.keyId()
                        + " (revoke that key first)");
            }
        }
        KeyIssuer.Issued issued = issuer.create(spec.name(), spec.scopes(), spec.models(), spec.expiresAt(),
                spec.limits() == null ? KeyLimits.DEFAULTS : spec.limits());
        KeyRecord r = issued.record();
        store.putCredential(new dev.corral.store.Credential(dev.corral.store.Credential.BASIC, user, r.id(), bcrypt, clock.instant()));
        auditCreate(r, Map.of("method", "basic", "user", user, "bcrypt_cost", cost), actor);
        return r;
    }

    /** Audits a new key as key.create: its name, how it signs in ({@code how}), scopes, models, expiry and limits. */
    private void auditCreate(KeyRecord r, Map<String, Object> how, String actor) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", r.name());
        details.putAll(how);
        details.put("scopes", r.scopes().stream().map(Scope::id).sorted().toList());
        details.put("models", r.models());
        details.put("expires_at", r.expiresAt() == null ? null : r.expiresAt().toString());
        details.put("limits", r.limits().describe());
        audit.record(actor, Actions.KEY_CREATE, r.id(), details);
    }

    /** A Basic user name: what RFC 7617 allows (no ':', no control characters), 1-100 characters. */
    public static void checkBasicUser(String user) {
        if (user == null || user.isEmpty() || user.length() > 100 || user.indexOf(':') >= 0
                || user.chars().anyMatch(Character::isISOControl) || !user.equals(user.strip())) {
            throw new IllegalArgumentException("a Basic user name is 1-100 characters, without ':', control characters"
                    + " or surrounding spaces");
        }
    }

    /** Credentials whose key is not revoked. */
    private List<dev.corral.store.Credential> liveCredentials() {
        java.util.Set<String> revoked = new java.util.HashSet<>();
        for (KeyRecord k : store.listKeys()) {
            if (k.revokedAt() != null) {
                revoked.add(k.id());
            }
        }
        return store.listCredentials().stream().filter(c -> !revoked.contains(c.keyId())).toList();
    }

    /** Every credential (SSH public key, Basic user) that signs in as a key. */
    public List<dev.corral.store.Credential> credentials() {
        return store.listCredentials();
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
