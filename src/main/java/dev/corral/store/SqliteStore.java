package dev.corral.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The single-host store: one SQLite file in WAL mode, shared safely by the server and the CLI
 * (another process revoking a key bumps {@code keys_version}, which the server polls).
 *
 * <p>Two connections, each under its own lock. Keys, budgets and reports use the main one. Usage
 * writes use their own, opened on the first write with a short busy timeout: a usage batch waiting
 * on a database another process holds locked must not hold up the key reload that runs every
 * second (in WAL mode readers are not blocked by a writer, so the main connection keeps reading).
 * Callers are background threads, never the event loop.
 */
public final class SqliteStore implements Store {
    private static final String[] SCHEMA = {
        "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', 1), ('keys_version', 0)",
        "CREATE TABLE IF NOT EXISTS keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, hmac BLOB NOT NULL,"
                + " scopes TEXT NOT NULL, models TEXT NOT NULL, created_at INTEGER NOT NULL,"
                + " expires_at INTEGER, revoked_at INTEGER)",
        "CREATE TABLE IF NOT EXISTS usage (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,"
                + " request_id TEXT NOT NULL, key_id TEXT, route TEXT, model TEXT, status INTEGER NOT NULL,"
                + " outcome TEXT NOT NULL, prompt_tokens INTEGER, completion_tokens INTEGER,"
                + " duration_ms INTEGER NOT NULL, bytes_in INTEGER NOT NULL, bytes_out INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS usage_key_ts ON usage (key_id, ts)",
        "CREATE INDEX IF NOT EXISTS usage_ts ON usage (ts)",
    };

    /**
     * 1: the first schema (key limit columns were added to it when missing). 2: request ids are
     * unique in usage, so writing a record twice (a retried batch, a replayed journal) keeps one.
     */
    static final int SCHEMA_VERSION = 2;

    /** Default wait of a usage batch on a locked database before the writer backs off and retries. */
    public static final long DEFAULT_USAGE_BUSY_MILLIS = 2_000;

    /** Columns added after the first schema: name and type, added when missing. */
    private static final String[][] KEY_LIMIT_COLUMNS = {
        {"rpm", "INTEGER"}, {"tpm", "INTEGER"}, {"daily_tokens", "INTEGER"}, {"monthly_tokens", "INTEGER"},
        {"concurrency", "INTEGER"}, {"weight", "INTEGER"},
    };

    private final Path file;
    private final Connection conn;
    private final Object lock = new Object();
    private final long usageBusyMillis;
    private final Object usageLock = new Object();
    private Connection usageConn;
    private boolean closed;

    private SqliteStore(Path file, Connection conn, long usageBusyMillis) {
        this.file = file;
        this.conn = conn;
        this.usageBusyMillis = usageBusyMillis;
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
            if (schemaVersion(c) < SCHEMA_VERSION) {
                migrate(c, file);
            }
            dir.ensurePrivateFile(file.resolveSibling(file.getFileName() + "-wal"));
            dir.ensurePrivateFile(file.resolveSibling(file.getFileName() + "-shm"));
            return new SqliteStore(file, c, usageBusyMillis);
        } catch (SQLException e) {
            closeQuietly(c);
            throw new StoreException(file + ": cannot open the SQLite store: " + e.getMessage(), e, reason(e));
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    private static int schemaVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'")) {
            if (!rs.next()) {
                return 0;
            }
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE name = 'schema'")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /** Brings any earlier schema to {@link #SCHEMA_VERSION} in one transaction; every step is safe to repeat. */
    private static void migrate(Connection c, Path file) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String sql : SCHEMA) {
                s.execute(sql);
            }
            java.util.Set<String> have = new java.util.HashSet<>();
            try (ResultSet rs = s.executeQuery("PRAGMA table_info(keys)")) {
                while (rs.next()) {
                    have.add(rs.getString("name"));
                }
            }
            for (String[] col : KEY_LIMIT_COLUMNS) {
                if (!have.contains(col[0])) {
                    s.execute("ALTER TABLE keys ADD COLUMN " + col[0] + " " + col[1]);
                }
            }
            // Request ids are 64 random bits, so an older database should hold no duplicates; if it
            // does (a collision, or rows written by hand), every row is kept and counted as before:
            // the later ones get "#<row id>" appended, which frees the unique index to be made.
            int renamed = s.executeUpdate("UPDATE usage SET request_id = request_id || '#' || id WHERE id NOT IN"
                    + " (SELECT MIN(id) FROM usage GROUP BY request_id)");
            if (renamed > 0) {
                org.slf4j.LoggerFactory.getLogger(SqliteStore.class).warn("{}: {} usage records shared a request id with"
                        + " an earlier one; their request ids now end in '#<row id>' (all rows kept)", file, renamed);
            }
            s.execute("CREATE UNIQUE INDEX IF NOT EXISTS usage_request_id ON usage (request_id)");
            s.execute("UPDATE meta SET value = " + SCHEMA_VERSION + " WHERE name = 'schema'");
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    @Override
    public void createKey(KeyRecord k) {
        synchronized (lock) {
            inTransaction(() -> {
                try (PreparedStatement ps = conn.prepareStatement(
                        "INSERT INTO keys (id, name, hmac, scopes, models, created_at, expires_at, revoked_at,"
                                + " rpm, tpm, daily_tokens, monthly_tokens, concurrency, weight)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, k.id());
                    ps.setString(2, k.name());
                    ps.setBytes(3, k.hmac());
                    ps.setString(4, k.scopes().stream().map(Scope::id).sorted().collect(Collectors.joining(",")));
                    ps.setString(5, String.join(",", k.models()));
                    ps.setLong(6, k.createdAt().toEpochMilli());
                    setInstant(ps, 7, k.expiresAt());
                    setInstant(ps, 8, k.revokedAt());
                    setLimits(ps, 9, k.limits());
                    ps.executeUpdate();
                }
                bumpKeysVersion();
            }, "create key " + k.id());
        }
    }

    @Override
    public List<KeyRecord> listKeys() {
        synchronized (lock) {
            try (Statement s = conn.createStatement();
                 ResultSet rs = s.executeQuery("SELECT * FROM keys ORDER BY created_at, id")) {
                List<KeyRecord> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(key(rs));
                }
                return out;
            } catch (SQLException e) {
                throw fail("list keys", e);
            }
        }
    }

    @Override
    public Optional<KeyRecord> findKey(String id) {
        synchronized (lock) {
            try (PreparedStatement ps = conn.prepareStatement("SELECT * FROM keys WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(key(rs)) : Optional.empty();
                }
            } catch (SQLException e) {
                throw fail("find key", e);
            }
        }
    }

    @Override
    public boolean revokeKey(String id, Instant at) {
        synchronized (lock) {
            boolean[] changed = new boolean[1];
            inTransaction(() -> {
                try (PreparedStatement ps = conn.prepareStatement(
                        "UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
                    ps.setLong(1, at.toEpochMilli());
                    ps.setString(2, id);
                    changed[0] = ps.executeUpdate() == 1;
                }
                if (changed[0]) {
                    bumpKeysVersion();
                }
            }, "revoke key " + id);
            return changed[0];
        }
    }

    @Override
    public boolean updateKeyLimits(String id, dev.corral.store.KeyLimits limits) {
        synchronized (lock) {
            boolean[] changed = new boolean[1];
            inTransaction(() -> {
                try (PreparedStatement ps = conn.prepareStatement("UPDATE keys SET rpm = ?, tpm = ?, daily_tokens = ?,"
                        + " monthly_tokens = ?, concurrency = ?, weight = ? WHERE id = ?")) {
                    setLimits(ps, 1, limits);
                    ps.setString(7, id);
                    changed[0] = ps.executeUpdate() == 1;
                }
                if (changed[0]) {
                    bumpKeysVersion();
                }
            }, "update key " + id);
            return changed[0];
        }
    }

    @Override
    public long tokensSince(String keyId, Instant since) {
        synchronized (lock) {
            try (PreparedStatement ps = conn.prepareStatement("SELECT COALESCE(SUM(MAX(COALESCE(prompt_tokens, 0), 0)"
                    + " + MAX(COALESCE(completion_tokens, 0), 0)), 0) FROM usage WHERE key_id = ? AND ts >= ?")) {
                ps.setString(1, keyId);
                ps.setLong(2, since.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0;
                }
            } catch (SQLException e) {
                throw fail("sum usage", e);
            }
        }
    }

    @Override
    public long keysVersion() {
        synchronized (lock) {
            try (Statement s = conn.createStatement();
                 ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE name = 'keys_version'")) {
                return rs.next() ? rs.getLong(1) : 0;
            } catch (SQLException e) {
                throw fail("read keys version", e);
            }
        }
    }

    /**
     * Writes a batch in one transaction on the usage connection. Idempotent: a record whose request
     * id is already stored is skipped (INSERT OR IGNORE on the unique request_id), so a batch retried
     * after an unclear failure, or a journal replayed after a crash, never counts a request twice.
     */
    @Override
    public void insertUsage(List<UsageRecord> batch) {
        if (batch.isEmpty()) {
            return;
        }
        synchronized (usageLock) {
            Connection c = usageConnection();
            boolean done = false;
            try (Statement tx = c.createStatement()) {
                // Explicit BEGIN IMMEDIATE / COMMIT: the batch waits for the write lock up front (busy
                // timeout), and no driver-side transaction state can go stale after a failed BEGIN.
                tx.execute("BEGIN IMMEDIATE");
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT OR IGNORE INTO usage (ts, request_id, key_id, route, model, status, outcome, prompt_tokens,"
                                + " completion_tokens, duration_ms, bytes_in, bytes_out)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    for (UsageRecord u : batch) {
                        ps.setLong(1, u.time().toEpochMilli());
                        ps.setString(2, u.requestId());
                        ps.setString(3, u.keyId());
                        ps.setString(4, u.route());
                        ps.setString(5, u.model());
                        ps.setInt(6, u.status());
                        ps.setString(7, u.outcome());
                        setCount(ps, 8, u.promptTokens());
                        setCount(ps, 9, u.completionTokens());
                        ps.setLong(10, u.durationMs());
                        ps.setLong(11, u.bytesIn());
                        ps.setLong(12, u.bytesOut());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                tx.execute("COMMIT");
                done = true;
            } catch (SQLException e) {
                throw fail("write " + batch.size() + " usage records", e);
            } finally {
                if (!done) {
                    // Whatever state the failure left (a half-begun transaction, SQLITE_FULL mid-batch), the
                    // next attempt starts on a fresh connection; the rollback is only to free the lock sooner.
                    rollbackQuietly(c);
                    closeQuietly(c);
                    usageConn = null;
                }
            }
        }
    }

    /** The usage connection, opened on first use (and again after a failed batch). */
    private Connection usageConnection() {
        if (closed) {
            throw new StoreException(file + ": the store is closed", null, "closed");
        }
        if (usageConn == null) {
            org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
            config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, usageBusyMillis));
            config.setSynchronous(org.sqlite.SQLiteConfig.SynchronousMode.NORMAL);
            try {
                usageConn = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), config.toProperties());
            } catch (SQLException e) {
                throw fail("open the usage connection", e);
            }
        }
        return usageConn;
    }

    @Override
    public List<UsageRecord> usageSince(Instant since, String keyId) {
        synchronized (lock) {
            String sql = "SELECT * FROM usage WHERE ts >= ?" + (keyId == null ? "" : " AND key_id = ?") + " ORDER BY id";
            try (PreparedStatement ps = conn.prepareStatement(sql)) {
                ps.setLong(1, since.toEpochMilli());
                if (keyId != null) {
                    ps.setString(2, keyId);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    List<UsageRecord> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new UsageRecord(Instant.ofEpochMilli(rs.getLong("ts")), rs.getString("request_id"),
                                rs.getString("key_id"), rs.getString("route"), rs.getString("model"),
                                rs.getInt("status"), rs.getString("outcome"), count(rs, "prompt_tokens"),
                                count(rs, "completion_tokens"), rs.getLong("duration_ms"), rs.getLong("bytes_in"),
                                rs.getLong("bytes_out")));
                    }
                    return out;
                }
            } catch (SQLException e) {
                throw fail("read usage", e);
            }
        }
    }

    @Override
    public List<UsageTotals> usageTotals(Instant since, String keyId, String by) {
        String group = switch (by) {
            case "day" -> "strftime('%Y-%m-%d', ts / 1000, 'unixepoch')";
            case "model" -> "COALESCE(model, '-')";
            case "key" -> "COALESCE(key_id, '-')";
            default -> "'total'";
        };
        String sql = "SELECT " + group + " AS g, COUNT(*), SUM(CASE WHEN outcome = 'refused' THEN 1 ELSE 0 END),"
                + " COALESCE(SUM(MAX(COALESCE(prompt_tokens, 0), 0)), 0), COALESCE(SUM(MAX(COALESCE(completion_tokens, 0), 0)), 0)"
                + " FROM usage WHERE ts >= ?" + (keyId == null ? "" : " AND key_id = ?") + " GROUP BY g ORDER BY g";
        synchronized (lock) {
            try (PreparedStatement ps = conn.prepareStatement(sql)) {
                ps.setLong(1, since.toEpochMilli());
                if (keyId != null) {
                    ps.setString(2, keyId);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    List<UsageTotals> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new UsageTotals(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
                    }
                    return out;
                }
            } catch (SQLException e) {
                throw fail("total usage", e);
            }
        }
    }

    @Override
    public void close() {
        synchronized (usageLock) {
            closed = true;
            closeQuietly(usageConn);
            usageConn = null;
        }
        synchronized (lock) {
            try {
                conn.close();
            } catch (SQLException e) {
                throw fail("close", e);
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing after a failure: the first error is the one reported
            }
        }
    }

    private static void rollbackQuietly(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // the transaction is gone with the failure (SQLite rolls back on SQLITE_FULL and I/O errors)
        }
    }

    private interface SqlWork {
        void run() throws SQLException;
    }

    private void inTransaction(SqlWork work, String what) {
        try {
            conn.setAutoCommit(false);
            try {
                work.run();
                conn.commit();
            } catch (SQLException | RuntimeException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw fail(what, e);
        }
    }

    private void bumpKeysVersion() throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.executeUpdate("UPDATE meta SET value = value + 1 WHERE name = 'keys_version'");
        }
    }

    private static KeyRecord key(ResultSet rs) throws SQLException {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : rs.getString("scopes").split(",")) {
            if (!s.isBlank()) {
                scopes.add(Scope.parse(s));
            }
        }
        String models = rs.getString("models");
        List<String> modelList = models.isBlank() ? List.of() : Arrays.asList(models.split(","));
        dev.corral.store.KeyLimits limits = new dev.corral.store.KeyLimits(nullableLong(rs, "rpm"), nullableLong(rs, "tpm"),
                nullableLong(rs, "daily_tokens"), nullableLong(rs, "monthly_tokens"), nullableInt(rs, "concurrency"),
                nullableInt(rs, "weight"));
        return new KeyRecord(rs.getString("id"), rs.getString("name"), rs.getBytes("hmac"), Set.copyOf(scopes),
                List.copyOf(modelList), Instant.ofEpochMilli(rs.getLong("created_at")), instant(rs, "expires_at"),
                instant(rs, "revoked_at"), limits);
    }

    private static void setLimits(PreparedStatement ps, int at, dev.corral.store.KeyLimits l) throws SQLException {
        Long[] longs = {l.rpm(), l.tpm(), l.dailyTokens(), l.monthlyTokens(),
            l.concurrency() == null ? null : l.concurrency().longValue(), l.weight() == null ? null : l.weight().longValue()};
        for (int i = 0; i < longs.length; i++) {
            if (longs[i] == null) {
                ps.setNull(at + i, Types.INTEGER);
            } else {
                ps.setLong(at + i, longs[i]);
            }
        }
    }

    private static Long nullableLong(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    private static Integer nullableInt(ResultSet rs, String col) throws SQLException {
        int v = rs.getInt(col);
        return rs.wasNull() ? null : v;
    }

    private static void setInstant(PreparedStatement ps, int i, Instant t) throws SQLException {
        if (t == null) {
            ps.setNull(i, Types.INTEGER);
        } else {
            ps.setLong(i, t.toEpochMilli());
        }
    }

    private static void setCount(PreparedStatement ps, int i, long v) throws SQLException {
        if (v < 0) {
            ps.setNull(i, Types.INTEGER);
        } else {
            ps.setLong(i, v);
        }
    }

    private static Instant instant(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static long count(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? -1 : v;
    }

    private StoreException fail(String what, SQLException e) {
        return new StoreException(file + ": " + what + " failed: " + e.getMessage(), e, reason(e));
    }

    /** SQLite's primary result code in a few words, without the file name (for /healthz). */
    static String reason(SQLException e) {
        if (!(e instanceof org.sqlite.SQLiteException se) || se.getResultCode() == null) {
            return "error";
        }
        return switch (se.getResultCode().code & 0xff) {
            case 5, 6 -> "database locked";        // SQLITE_BUSY, SQLITE_LOCKED
            case 13 -> "disk full";                // SQLITE_FULL
            case 8 -> "read-only";                 // SQLITE_READONLY
            case 10 -> "I/O error";                // SQLITE_IOERR
            case 14 -> "cannot open the database"; // SQLITE_CANTOPEN
            case 11, 26 -> "database damaged";     // SQLITE_CORRUPT, SQLITE_NOTADB
            case 23 -> "permission denied";        // SQLITE_AUTH
            default -> "error " + (se.getResultCode().code & 0xff);
        };
    }
}
