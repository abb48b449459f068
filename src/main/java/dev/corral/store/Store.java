package dev.corral.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Keys and usage at rest: SQLite on one host ({@link SqliteStore}), or PostgreSQL shared by several
 * instances ({@link PostgresStore}); {@link Stores} opens the configured one. Every method may throw
 * {@link StoreException}; callers on the request path fail closed.
 */
public interface Store extends AutoCloseable {

    void createKey(KeyRecord key);

    List<KeyRecord> listKeys();

    Optional<KeyRecord> findKey(String id);

    /** @return false when there is no such key or it was already revoked */
    boolean revokeKey(String id, Instant at);

    /** Replaces a key's limit overrides; false when there is no such key. */
    boolean updateKeyLimits(String id, dev.corral.store.KeyLimits limits);

    /** Sets an active key's scopes and model patterns; false when there is no such active key. */
    boolean updateKeyAccess(String id, java.util.Set<Scope> scopes, List<String> models);

    /**
     * Gives a key a new secret ({@code hmac}); the old one ({@code previousHmac}) keeps working
     * until {@code until}, or stops at once when it is null. False for an unknown or revoked key.
     */
    boolean rotateKey(String id, byte[] hmac, byte[] previousHmac, Instant until);

    /** Adds or replaces a credential (by kind and ident); false when its key does not exist. */
    boolean putCredential(Credential credential);

    /** Every credential, of every key (revoked ones included). */
    List<Credential> listCredentials();

    /** @return false when there was no such credential */
    boolean removeCredential(String kind, String ident);

    /** Tokens (prompt + completion) a key used from {@code since} on, from the usage records. */
    long tokensSince(String keyId, Instant since);

    /**
     * Calls {@code listener} (on a thread of the store's) soon after keys or credentials changed anywhere,
     * so a server reloads them at once. PostgreSQL announces changes (LISTEN/NOTIFY); the SQLite store
     * never calls it: servers on one host poll {@link #keysVersion} every second.
     */
    default void onKeysChanged(Runnable listener) {
    }

    /**
     * Checks that this instance hashes keys with the same server secret as the others on this store
     * ({@code check}: an HMAC of a fixed text under it); the first instance's is kept. A store only
     * this state directory uses (SQLite) has nothing to compare. Throws {@link StoreException} on a mismatch.
     */
    default void checkServerSecret(byte[] check) {
    }

    /**
     * The audit chain every instance on this store appends to (PostgreSQL), on a connection of its own
     * that the caller closes; empty when the store is this host's alone.
     */
    default java.util.Optional<AuditRows> sharedAudit() {
        return java.util.Optional.empty();
    }

    /** Moves on every key change, so servers know when to reload. */
    long keysVersion();

    /**
     * Stores a batch of usage records, all or none. Idempotent by request id: a record whose request
     * id is already stored is skipped, so the usage writer may retry a batch and replay its journal
     * freely. Called by one writer thread; must not hold up the key methods while it waits on a lock.
     */
    void insertUsage(List<UsageRecord> batch);

    /** Records from {@code since} on, oldest first; {@code keyId} null for all keys. */
    List<UsageRecord> usageSince(Instant since, String keyId);

    /** Totals since {@code since}, grouped by "day" (UTC), "minute", "model", "key", "route", "status" or "total". */
    default List<UsageTotals> usageTotals(Instant since, String keyId, String by) {
        return usageTotals(since, null, keyId, by);
    }

    /** Totals from {@code since} up to {@code until} (exclusive; null: now), grouped as above. */
    List<UsageTotals> usageTotals(Instant since, Instant until, String keyId, String by);

    /** One group of usage totals. */
    record UsageTotals(String group, long requests, long refused, long promptTokens, long completionTokens) {}

    @Override
    void close();
}
