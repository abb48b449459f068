package dev.corral.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The single-host store: one SQLite file in WAL mode, shared safely by the server and the CLI
 * (another process revoking a key bumps {@code keys_version}, which the server polls). It opens and
 * migrates the file ({@link SqliteSchema}, then Flyway: {@link SqliteMigrations}) and hands each call to the part that owns it.
 *
 * <p>Two connections, each under its own lock. Keys ({@link SqliteKeys}), budgets and reports
 * ({@link SqliteUsageReads}) use the main one. Usage writes ({@link SqliteUsageWriter}) use their own,
 * opened on the first write with a short busy timeout: a usage batch waiting on a database another
 * process holds locked must not hold up the key reload that runs every second (in WAL mode readers
 * are not blocked by a writer, so the main connection keeps reading). Callers are background threads,
 * never the event loop.
 */
public final class SqliteStore implements Store {
    /** The current schema version (see {@link SqliteSchema#VERSION}). */
    static final int SCHEMA_VERSION = SqliteSchema.VERSION;

    /** Default wait of a usage batch on a locked database before the writer backs off and retries. */
    public static final long DEFAULT_USAGE_BUSY_MILLIS = 2_000;

    private final Path file;
    private final Connection conn;
    private final Object lock = new Object();
    private final SqliteKeys keys;
    private final SqliteCredentials credentials;
    private final SqliteUsageReads usage;
    private final SqliteUsageWriter usageWriter;

    private SqliteStore(Path file, Connection conn, long usageBusyMillis) {
        this.file = file;
        this.conn = conn;
        this.keys = new SqliteKeys(file, conn, lock);
        this.credentials = new SqliteCredentials(file, conn, lock);
        this.usage = new SqliteUsageReads(file, conn, lock);
        this.usageWriter = new SqliteUsageWriter(file, usageBusyMillis);
    }

    /** Opens (creating if needed) the database in the state directory. */
    public static SqliteStore open(StateDir dir) {
        return open(dir, DEFAULT_USAGE_BUSY_MILLIS);
    }

    /**
     * Opens (creating or migrating if needed) the database in the state directory.
     *
     * @param usageBusyMillis how long one usage batch waits on a locked database before failing
     *                        (the usage writer then backs off and retries; it never gives up)
     */
    public static SqliteStore open(StateDir dir, long usageBusyMillis) {
        Path file = dir.database();
        dir.ensurePrivateFile(file);
        SqliteNative.prepare(dir); // the driver's native library from the state directory, not a new copy in /tmp
        Connection c = null;
        try {
            c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = NORMAL");
            }
            // A current schema is only read, never written: Corral then starts on a database another
            // process holds locked, or on a full disk, and its usage writer catches up later.
            if (SqliteSchema.version(c) < SqliteSchema.VERSION) {
                SqliteSchema.migrate(c, file);
            }
            if (SqliteMigrations.pending(c)) {
                org.slf4j.LoggerFactory.getLogger(SqliteStore.class).info("{}: schema {}", file,
                        SqliteMigrations.migrate(file)); // from SqliteSchema's last version on, Flyway's scripts
            }
            dir.ensurePrivateFile(file.resolveSibling(file.getFileName() + "-wal"));
            dir.ensurePrivateFile(file.resolveSibling(file.getFileName() + "-shm"));
            return new SqliteStore(file, c, usageBusyMillis);
        } catch (SQLException e) {
            SqliteErrors.closeQuietly(c);
            throw new StoreException(file + ": cannot open the SQLite store: " + e.getMessage(), e,
                    SqliteErrors.reason(e));
        } catch (RuntimeException e) {
            SqliteErrors.closeQuietly(c);
            throw e;
        }
    }

    @Override
    public void createKey(KeyRecord k) {
        keys.create(k);
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
    public boolean updateKeyAccess(String id, java.util.Set<Scope> scopes, List<String> models) {
        return keys.updateAccess(id, scopes, models);
    }

    @Override
    public boolean rotateKey(String id, byte[] hmac, byte[] previousHmac, Instant until) {
        return keys.rotate(id, hmac, previousHmac, until);
    }

    @Override
    public boolean putCredential(Credential credential) {
        return credentials.put(credential);
    }

    @Override
    public List<Credential> listCredentials() {
        return credentials.list();
    }

    @Override
    public boolean removeCredential(String kind, String ident) {
        return credentials.remove(kind, ident);
    }

    @Override
    public long keysVersion() {
        return keys.version();
    }

    @Override
    public long tokensSince(String keyId, Instant since) {
        return usage.tokensSince(keyId, since);
    }

    @Override
    public void insertUsage(List<UsageRecord> batch) {
        usageWriter.insert(batch);
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
        usageWriter.close();
        synchronized (lock) {
            try {
                conn.close();
            } catch (SQLException e) {
                throw SqliteErrors.fail(file, "close", e);
            }
        }
    }
}
