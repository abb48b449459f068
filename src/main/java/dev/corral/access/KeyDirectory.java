package dev.corral.access;

import dev.corral.store.Credential;
import dev.corral.store.KeyRecord;
import dev.corral.store.Store;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys a running server knows, and the credentials that sign in as them, held in memory so authentication never waits on the store, and
 * reloaded whenever the store's key version moves (another process created, revoked or changed a
 * key). {@link #refresh} is called every second, so a revocation takes effect within two.
 */
public final class KeyDirectory {
    private static final Logger log = LoggerFactory.getLogger(KeyDirectory.class);

    /** A stored key with its principal built once. */
    public record Entry(KeyRecord record, Principal principal) {}

    private final Store store;
    private volatile Map<String, Entry> entries = Map.of();
    /** A Basic user: the key it signs in as, and its bcrypt hash. */
    public record BasicUser(Entry entry, String hash) {}

    private volatile Map<String, BasicUser> basicUsers = Map.of();
    private volatile int basicCost = 10;

    /** Keys by the base64 wire form of an SSH public key registered for them. */
    private volatile Map<String, Entry> sshKeys = Map.of();
    private volatile long version = Long.MIN_VALUE;

    public KeyDirectory(Store store) {
        this.store = store;
    }

    public Entry get(String id) {
        return entries.get(id);
    }

    /** The key an SSH public key (base64 wire form) signs in as, or null. */
    public Entry bySshKey(String blob) {
        return sshKeys.get(blob);
    }

    /** The Basic user of this name, or null. */
    public BasicUser byBasicUser(String user) {
        return basicUsers.get(user);
    }

    /** Whether any Basic user exists (a 401 then offers Basic). */
    public boolean hasBasicUsers() {
        return !basicUsers.isEmpty();
    }

    /** The highest bcrypt cost among the Basic users (10 when there are none): what an unknown user's check costs. */
    public int basicCost() {
        return basicCost;
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
        Map<String, Entry> ssh = new HashMap<>();
        Map<String, BasicUser> basic = new HashMap<>();
        int cost = -1;
        for (Credential c : store.listCredentials()) {
            Entry e = next.get(c.keyId());
            if (e != null && c.kind().equals(Credential.SSH)) {
                ssh.put(c.ident(), e);
            } else if (e != null && c.kind().equals(Credential.BASIC)) {
                basic.put(c.ident(), new BasicUser(e, c.secret()));
                cost = Math.max(cost, BasicLogins.costOf(c.secret()));
            }
        }
        entries = Map.copyOf(next);
        sshKeys = Map.copyOf(ssh);
        basicUsers = Map.copyOf(basic);
        basicCost = cost < 0 ? 10 : cost;
        if (version != Long.MIN_VALUE) {
            log.info("keys reloaded: {} keys (store version {})", next.size(), v);
        }
        version = v;
    }
}
