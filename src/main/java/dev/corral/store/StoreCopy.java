package dev.corral.store;

import java.time.Instant;
import java.util.List;

/**
 * Copies keys, credentials and usage from one store to another (`corral store copy`, the move from
 * SQLite to PostgreSQL). The target must hold no keys yet, so nothing is merged or overwritten;
 * usage goes in batches and is idempotent by request id, so a copy cut short can be run again on a
 * database with no keys (drop and recreate it) without counting a request twice.
 */
public final class StoreCopy {
    /** Usage records per batch written to the target. */
    static final int BATCH = 1_000;

    /** What was copied. */
    public record Copied(int keys, int credentials, int usage) {}

    private StoreCopy() {}

    public static Copied copy(Store from, Store to) {
        int existing = to.listKeys().size();
        if (existing > 0) {
            throw new StoreException("the target store already holds " + existing + " keys; copy only into a new, empty"
                    + " database (nothing is merged or overwritten)", null, "target not empty");
        }
        List<KeyRecord> keys = from.listKeys();
        for (KeyRecord k : keys) {
            to.createKey(k);
            if (k.rotation() != null && k.revokedAt() == null) {
                // createKey stores the current secret only; the previous one keeps working until its grace period ends.
                to.rotateKey(k.id(), k.hmac(), k.rotation().previousHmac(), k.rotation().until());
            }
        }
        List<Credential> credentials = from.listCredentials();
        for (Credential c : credentials) {
            to.putCredential(c);
        }
        List<UsageRecord> usage = from.usageSince(Instant.EPOCH, null);
        for (int i = 0; i < usage.size(); i += BATCH) {
            to.insertUsage(usage.subList(i, Math.min(usage.size(), i + BATCH)));
        }
        return new Copied(keys.size(), credentials.size(), usage.size());
    }
}
