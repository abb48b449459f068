package dev.corral.access;

import dev.corral.store.KeyRecord;
import dev.corral.store.Store;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys a running server knows, held in memory so authentication never waits on the store, and
 * reloaded whenever the store's key version moves (another process created, revoked or changed a
 * key). {@link #refresh} is called every second, so a revocation takes effect within two.
 */
public final class KeyDirectory {
    private static final Logger log = LoggerFactory.getLogger(KeyDirectory.class);

    /** A stored key with its principal built once. */
    public record Entry(KeyRecord record, Principal principal) {}

    private final Store store;
    private volatile Map<String, Entry> entries = Map.of();
    private volatile long version = Long.MIN_VALUE;

    public KeyDirectory(Store store) {
        this.store = store;
    }

    public Entry get(String id) {
        return entries.get(id);
    }

    /** Every key known now (revoked ones included). */
    public java.util.Collection<Entry> entries() {
        return entries.values();
    }

    public int size() {
        return entries.size();
    }

    /**
     * Reloads the keys when they changed. A failing store keeps the last good set (revocations
     * already loaded stay in force) and is logged; callers see the exception.
     */
    public void refresh() {
        long v = store.keysVersion();
        if (v == version) {
            return;
        }
        Map<String, Entry> next = new HashMap<>();
        for (KeyRecord k : store.listKeys()) {
            next.put(k.id(), new Entry(k, new Principal(k.id(), k.name(), k.scopes(), ModelPatterns.of(k.models()), k.limits())));
        }
        entries = Map.copyOf(next);
        if (version != Long.MIN_VALUE) {
            log.info("keys reloaded: {} keys (store version {})", next.size(), v);
        }
        version = v;
    }
}
