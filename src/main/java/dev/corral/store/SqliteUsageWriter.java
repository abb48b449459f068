package dev.corral.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Writes usage batches on the store's second connection, opened on the first write with a short busy
 * timeout, so a batch waiting on a database another process holds locked never holds up the key
 * reload on the main connection.
 */
final class SqliteUsageWriter {
    private final Path file;
    private final long busyMillis;
    private final Object lock = new Object();
    private Connection conn;
    private boolean closed;

    SqliteUsageWriter(Path file, long busyMillis) {
        this.file = file;
        this.busyMillis = busyMillis;
    }

    /**
     * Writes a batch in one transaction. Idempotent: a record whose request id is already stored is
     * skipped (INSERT OR IGNORE on the unique request_id), so a batch retried after an unclear failure,
     * or a journal replayed after a crash, never counts a request twice.
     */
    void insert(List<UsageRecord> batch) {
        if (batch.isEmpty()) {
            return;
        }
        synchronized (lock) {
            Connection c = connection();
            boolean done = false;
            try (Statement tx = c.createStatement()) {
                // Explicit BEGIN IMMEDIATE / COMMIT: the batch waits for the write lock up front (busy
                // timeout), and no driver-side transaction state can go stale after a failed BEGIN.
                tx.execute("BEGIN IMMEDIATE");
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT OR IGNORE INTO usage (" + UsageRows.COLUMNS + ") VALUES (" + UsageRows.PARAMETERS + ")")) {
                    for (UsageRecord u : batch) {
                        UsageRows.bind(ps, u);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                tx.execute("COMMIT");
                done = true;
            } catch (SQLException e) {
                throw SqliteErrors.fail(file, "write " + batch.size() + " usage records", e);
            } finally {
                if (!done) {
                    // Whatever state the failure left (a half-begun transaction, SQLITE_FULL mid-batch), the
                    // next attempt starts on a fresh connection; the rollback is only to free the lock sooner.
                    rollbackQuietly(c);
                    SqliteErrors.closeQuietly(c);
                    conn = null;
                }
            }
        }
    }

    /** The usage connection, opened on first use (and again after a failed batch). */
    private Connection connection() {
        if (closed) {
            throw new StoreException(file + ": the store is closed", null, "closed");
        }
        if (conn == null) {
            org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
            config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, busyMillis));
            config.setSynchronous(org.sqlite.SQLiteConfig.SynchronousMode.NORMAL);
            try {
                conn = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), config.toProperties());
            } catch (SQLException e) {
                throw SqliteErrors.fail(file, "open the usage connection", e);
            }
        }
        return conn;
    }

    /** Closes the connection; a later batch fails as "closed" rather than opening a new one. */
    void close() {
        synchronized (lock) {
            closed = true;
            SqliteErrors.closeQuietly(conn);
            conn = null;
        }
    }

    private static void rollbackQuietly(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // the transaction is gone with the failure (SQLite rolls back on SQLITE_FULL and I/O errors)
        }
    }

    /** A token count, or NULL for an unknown one (negative). */
}
