package dev.corral.store;

import java.sql.SQLException;

/** Turns PostgreSQL failures into {@link StoreException}s that say what and where, with a short reason for /healthz. */
final class PostgresErrors {
    private PostgresErrors() {}

    static StoreException fail(String where, String what, SQLException e) {
        String reason = reason(e);
        String hint = switch (reason) {
            case "database unreachable" -> "; is PostgreSQL running and reachable from here (host, port, firewall, sslmode)?";
            case "database shutting down" -> "; PostgreSQL is stopping or restarting: try again when it is back";
            case "authentication failed" -> "; check the user in store and the password in store_password_file or CORRAL_STORE_PASSWORD";
            default -> "";
        };
        return new StoreException(where + ": " + what + " failed: " + e.getMessage() + hint, e, reason);
    }

    /** The SQLSTATE's class in a few words, without host names (for /healthz). */
    static String reason(SQLException e) {
        String state = e.getSQLState();
        if (state == null) {
            return "error";
        }
        if (state.startsWith("08")) {
            return "database unreachable";
        }
        if (state.startsWith("28")) {
            return "authentication failed";
        }
        if (state.startsWith("57P")) {
            return "database shutting down";
        }
        if (state.startsWith("53")) {
            return "database out of resources";
        }
        if (state.equals("3D000")) {
            return "no such database";
        }
        return "error " + state;
    }

    /** Whether the failure leaves the connection unusable, so the next call must open a new one. */
    static boolean broken(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57P");
    }
}
