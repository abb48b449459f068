package dev.corral.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;

/** The SQLite store's schema: which version a database is at, and the migration that brings it to the current one. */
final class SqliteSchema {
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
        "CREATE TABLE IF NOT EXISTS credentials (kind TEXT NOT NULL, ident TEXT NOT NULL, key_id TEXT NOT NULL,"
                + " secret TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (kind, ident))",
    };

    /**
     * 1: the first schema (key limit columns were added to it when missing). 2: request ids are
     * unique in usage, so writing a record twice (a retried batch, a replayed journal) keeps one.
     * 3: a rotated key keeps its previous secret's HMAC until a grace period ends. 4: credentials
     * (SSH public keys, Basic users) that sign in as a key, and how each usage record's caller signed in.
     */
    static final int VERSION = 4;

    /** Columns added after the first schema: name and type, added when missing. */
    private static final String[][] KEY_LIMIT_COLUMNS = {
        {"rpm", "INTEGER"}, {"tpm", "INTEGER"}, {"daily_tokens", "INTEGER"}, {"monthly_tokens", "INTEGER"},
        {"concurrency", "INTEGER"}, {"weight", "INTEGER"}, {"previous_hmac", "BLOB"}, {"previous_until", "INTEGER"},
    };

    private SqliteSchema() {
    }

    /** The database's schema version; 0 for a new (empty) database. */
    static int version(Connection c) throws SQLException {
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

    /** Brings any earlier schema to {@link #VERSION} in one transaction; every step is safe to repeat. */
    static void migrate(Connection c, Path file) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String sql : SCHEMA) {
                s.execute(sql);
            }
            Set<String> have = new HashSet<>();
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
                // Logged under SqliteStore, the name operators know the store by.
                org.slf4j.LoggerFactory.getLogger(SqliteStore.class).warn("{}: {} usage records shared a request id with"
                        + " an earlier one; their request ids now end in '#<row id>' (all rows kept)", file, renamed);
            }
            s.execute("CREATE UNIQUE INDEX IF NOT EXISTS usage_request_id ON usage (request_id)");
            boolean usageAuth = false;
            try (ResultSet rs = s.executeQuery("PRAGMA table_info(usage)")) {
                while (rs.next()) {
                    usageAuth |= rs.getString("name").equals("auth");
                }
            }
            if (!usageAuth) {
                s.execute("ALTER TABLE usage ADD COLUMN auth TEXT");
            }
            s.execute("UPDATE meta SET value = " + VERSION + " WHERE name = 'schema'");
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }
}
