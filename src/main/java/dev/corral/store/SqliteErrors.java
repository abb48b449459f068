package dev.corral.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

/** Turns SQLite failures into {@link StoreException}s that say what and where, with a short reason for /healthz. */
final class SqliteErrors {
    private SqliteErrors() {
    }

    static StoreException fail(Path file, String what, SQLException e) {
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

    static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing after a failure: the first error is the one reported
            }
        }
    }
}
