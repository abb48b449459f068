package dev.corral.store;

import dev.corral.config.StoreConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The store shared by several Corral instances: one PostgreSQL database (store: postgres://...). It
 * brings the schema up to date with Flyway on open ({@link PostgresSchema}) and hands each call to the
 * part that owns it: keys and credentials ({@link PostgresKeys}), usage ({@link PostgresUsage}), and key
 * change notifications ({@link PostgresKeyListener}).
 *
 * <p>Three connections: the main one (keys, reads), the usage writer's, and the listener's. Each
 * reconnects by itself after PostgreSQL went away; while it is away calls fail with a
 * {@link StoreException} whose reason is "database unreachable" (servers keep their loaded keys, and
 * the usage writer keeps its journal and retries).
 */
public final class PostgresStore implements Store {
    private final PostgresTarget target;
    private final PostgresConnection main;
    private final PostgresConnection usageConn;
    private final PostgresKeys keys;
    private final PostgresUsage usage;
    private final PostgresKeyListener listener;

    private PostgresStore(PostgresTarget target) {
        this.target = target;
        this.main = new PostgresConnection(target);
        this.usageConn = new PostgresConnection(target);
        this.keys = new PostgresKeys(main);
        this.usage = new PostgresUsage(usageConn, main);
        this.listener = new PostgresKeyListener(target);
    }

    /** Opens the store, migrating the schema first; the password is read from its file or {@code env}. */
    public static PostgresStore open(StoreConfig.Postgres config, Map<String, String> env) {
        PostgresTarget target = PostgresTarget.of(config, env);
        String did = PostgresSchema.migrate(target);
        if (!did.endsWith("nothing to migrate")) {
            org.slf4j.LoggerFactory.getLogger(PostgresStore.class).info("{}: schema {}", target.display(), did);
        }
        PostgresStore s = new PostgresStore(target);
        s.keysVersion(); // fails now, with the reason, rather than on the first request
        return s;
    }

    /** Where the store is, as configured (no password), for messages. */
    public String display() {
        return target.display();
    }

    @Override
    public void onKeysChanged(Runnable listener) {
        this.listener.add(listener);
    }

    @Override
    public Optional<AuditRows> sharedAudit() {
        return Optional.of(new PostgresAuditRows(new PostgresConnection(target)));
    }

    @Override
    public void checkServerSecret(byte[] check) {
        long mine = java.nio.ByteBuffer.wrap(check).getLong();
        long kept = main.run("check the server secret", c -> {
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO meta (name, value) VALUES ('server_secret_check', ?)"
                    + " ON CONFLICT (name) DO NOTHING")) {
                ps.setLong(1, mine);
                ps.executeUpdate();
            }
            try (java.sql.Statement st = c.createStatement();
                 java.sql.ResultSet rs = st.executeQuery("SELECT value FROM meta WHERE name = 'server_secret_check'")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        if (kept != mine) {
            throw new StoreException(target.display() + ": this instance's server.secret (in its state_dir) is not the one the"
                    + " instances already on this database use, so every key made there would be refused here. Copy server.secret"
                    + " from an instance on this database (or from the state_dir the store was copied from) into this state_dir",
                    null, "server secret differs");
        }
    }

    @Override
    public void createKey(KeyRecord key) {
        keys.create(key);
    }

    @Override
    public List<KeyRecord> listKeys() {
        return keys.list();
    }

    @Override
    public Optional<KeyRecord> findKey(String id) {
        return keys.find(id);
    }

    @Override
    public boolean revokeKey(String id, Instant at) {
        return keys.revoke(id, at);
    }

    @Override
    public boolean updateKeyLimits(String id, KeyLimits limits) {
        return keys.updateLimits(id, limits);
    }

    @Override
    public boolean updateKeyAccess(String id, Set<Scope> scopes, List<String> models) {
        return keys.updateAccess(id, scopes, models);
    }

    @Override
    public boolean rotateKey(String id, byte[] hmac, byte[] previousHmac, Instant until) {
        return keys.rotate(id, hmac, previousHmac, until);
    }

    @Override
    public boolean putCredential(Credential credential) {
        return keys.putCredential(credential);
    }

    @Override
    public List<Credential> listCredentials() {
        return keys.listCredentials();
    }

    @Override
    public boolean removeCredential(String kind, String ident) {
        return keys.removeCredential(kind, ident);
    }

    @Override
    public long tokensSince(String keyId, Instant since) {
        return usage.tokensSince(keyId, since);
    }

    @Override
    public long keysVersion() {
        return keys.version();
    }

    @Override
    public void insertUsage(List<UsageRecord> batch) {
        usage.insert(batch);
    }

    @Override
    public List<UsageRecord> usageSince(Instant since, String keyId) {
        return usage.since(since, keyId);
    }

    @Override
    public List<UsageTotals> usageTotals(Instant since, Instant until, String keyId, String by) {
        return usage.totals(since, until, keyId, by);
    }

    @Override
    public void close() {
        listener.close();
        usageConn.close();
        main.close();
    }
}
