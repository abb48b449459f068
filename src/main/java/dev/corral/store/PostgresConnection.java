package dev.corral.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One connection to PostgreSQL, opened on first use and again after it broke (the server restarted,
 * the network dropped): a call made while the database is away fails with a {@link StoreException},
 * and the first call after it returns works again. Calls are serialized on it.
 */
final class PostgresConnection implements AutoCloseable {
    /** Work on the connection. */
    interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    private final PostgresTarget target;
    private Connection conn;
    private boolean closed;

    PostgresConnection(PostgresTarget target) {
        this.target = target;
    }

    /**
     * Runs a read in autocommit; a failure is reported as {@code what}. A read that finds its connection
     * cut (PostgreSQL restarted since the last call) is tried once more on a new one: reads change nothing.
     */
    synchronized <T> T run(String what, SqlWork<T> work) {
        for (int attempt = 1; ; attempt++) {
            Connection c = open(what);
            try {
                return work.run(c);
            } catch (SQLException e) {
                boolean cut = dropIfBroken(e);
                if (!cut || attempt == 2) {
                    throw PostgresErrors.fail(target.display(), what, e);
                }
            }
        }
    }

    /** Runs {@code work} in one transaction, committed whole or rolled back on any failure. */
    synchronized <T> T inTransaction(String what, SqlWork<T> work) {
        Connection c = open(what);
        try {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                if (conn != null && !conn.isClosed()) {
                    c.setAutoCommit(true);
                }
            }
        } catch (SQLException e) {
            dropIfBroken(e);
            throw PostgresErrors.fail(target.display(), what, e);
        }
    }

    private Connection open(String what) {
        if (closed) {
            throw new StoreException(target.display() + ": the store is closed", null, "closed");
        }
        if (conn == null) {
            try {
                conn = target.connect();
            } catch (SQLException e) {
                throw PostgresErrors.fail(target.display(), what, e);
            }
        }
        return conn;
    }

    /** Closes the connection when the failure broke it; whether it did. */
    private boolean dropIfBroken(SQLException e) {
        boolean gone;
        try {
            gone = PostgresErrors.broken(e) || conn.isClosed();
        } catch (SQLException ignored) {
            gone = true;
        }
        if (gone) {
            closeQuietly();
        }
        return gone;
    }

    private void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is gone with the failure; the transaction with it
        }
    }

    private void closeQuietly() {
        if (conn != null) {
            try {
                conn.close();
            } catch (SQLException ignored) {
                // closing after a failure: the first error is the one reported
            }
            conn = null;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeQuietly();
    }
}
