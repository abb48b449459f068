package dev.corral.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** One transaction on the store's main connection (committed whole, or rolled back on any failure), and the keys version every key change bumps. */
final class SqliteTransactions {
    /** Work inside a transaction. */
    interface SqlWork<T> {
        T run() throws SQLException;
    }

    private SqliteTransactions() {}

    /** Runs {@code work} in one transaction on {@code conn}; a failure is reported as {@code what} on {@code file}. */
    static <T> T inTransaction(Connection conn, Path file, String what, SqlWork<T> work) {
        try {
            conn.setAutoCommit(false);
            try {
                T result = work.run();
                conn.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw SqliteErrors.fail(file, what, e);
        }
    }

    /** Tells servers polling {@code keys_version} to reload keys and credentials; inside the change's own transaction. */
    static void bumpKeysVersion(Connection conn) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.executeUpdate("UPDATE meta SET value = value + 1 WHERE name = 'keys_version'");
        }
    }
}
