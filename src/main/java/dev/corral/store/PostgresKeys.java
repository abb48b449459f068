package dev.corral.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Keys and credentials in PostgreSQL. Every change bumps {@code keys_version} and sends a notification
 * on {@link #CHANNEL} in the same transaction, so every instance listening reloads its keys as soon as
 * the change commits (and those polling the version, within a second).
 */
final class PostgresKeys {
    /** The LISTEN/NOTIFY channel key changes are announced on. */
    static final String CHANNEL = "corral_keys";

    private final PostgresConnection db;

    PostgresKeys(PostgresConnection db) {
        this.db = db;
    }

    void create(KeyRecord k) {
        db.inTransaction("create key " + k.id(), c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO keys (id, name, hmac, scopes, models, created_at, expires_at, revoked_at,"
                            + " rpm, tpm, daily_tokens, monthly_tokens, concurrency, weight)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, k.id());
                ps.setString(2, k.name());
                ps.setBytes(3, k.hmac());
                ps.setString(4, KeyRows.scopes(k.scopes()));
                ps.setString(5, String.join(",", k.models()));
                ps.setLong(6, k.createdAt().toEpochMilli());
                KeyRows.setInstant(ps, 7, k.expiresAt());
                KeyRows.setInstant(ps, 8, k.revokedAt());
                KeyRows.setLimits(ps, 9, k.limits());
                ps.executeUpdate();
            }
            return bump(c);
        });
    }

    List<KeyRecord> list() {
        return db.run("list keys", c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM keys ORDER BY created_at, id")) {
                List<KeyRecord> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(KeyRows.key(rs));
                }
                return out;
            }
        });
    }

    Optional<KeyRecord> find(String id) {
        return db.run("find key", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM keys WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(KeyRows.key(rs)) : Optional.empty();
                }
            }
        });
    }

    boolean revoke(String id, Instant at) {
        return change("revoke key " + id, "UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", ps -> {
            ps.setLong(1, at.toEpochMilli());
            ps.setString(2, id);
        });
    }

    boolean updateLimits(String id, KeyLimits limits) {
        return change("update key " + id, "UPDATE keys SET rpm = ?, tpm = ?, daily_tokens = ?, monthly_tokens = ?,"
                + " concurrency = ?, weight = ? WHERE id = ?", ps -> {
                    KeyRows.setLimits(ps, 1, limits);
                    ps.setString(7, id);
                });
    }

    boolean updateAccess(String id, Set<Scope> scopes, List<String> models) {
        return change("update key " + id, "UPDATE keys SET scopes = ?, models = ? WHERE id = ? AND revoked_at IS NULL", ps -> {
            ps.setString(1, KeyRows.scopes(scopes));
            ps.setString(2, String.join(",", models));
            ps.setString(3, id);
        });
    }

    boolean rotate(String id, byte[] hmac, byte[] previous, Instant until) {
        return change("rotate key " + id, "UPDATE keys SET hmac = ?, previous_hmac = ?, previous_until = ?"
                + " WHERE id = ? AND revoked_at IS NULL", ps -> {
                    ps.setBytes(1, hmac);
                    ps.setBytes(2, until == null ? null : previous);
                    KeyRows.setInstant(ps, 3, until);
                    ps.setString(4, id);
                });
    }

    boolean putCredential(Credential cr) {
        return db.inTransaction("store " + cr.kind() + " credential", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM keys WHERE id = ?")) {
                ps.setString(1, cr.keyId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO credentials (kind, ident, key_id, secret, created_at)"
                    + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, ident) DO UPDATE SET key_id = EXCLUDED.key_id,"
                    + " secret = EXCLUDED.secret, created_at = EXCLUDED.created_at")) {
                ps.setString(1, cr.kind());
                ps.setString(2, cr.ident());
                ps.setString(3, cr.keyId());
                ps.setString(4, cr.secret());
                ps.setLong(5, cr.createdAt().toEpochMilli());
                ps.executeUpdate();
            }
            return bump(c);
        });
    }

    List<Credential> listCredentials() {
        return db.run("list credentials", c -> {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT * FROM credentials ORDER BY created_at, kind, ident")) {
                List<Credential> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Credential(rs.getString("kind"), rs.getString("ident"), rs.getString("key_id"),
                            rs.getString("secret"), Instant.ofEpochMilli(rs.getLong("created_at"))));
                }
                return out;
            }
        });
    }

    boolean removeCredential(String kind, String ident) {
        return change("remove " + kind + " credential", "DELETE FROM credentials WHERE kind = ? AND ident = ?", ps -> {
            ps.setString(1, kind);
            ps.setString(2, ident);
        });
    }

    long version() {
        return db.run("read keys version", c -> {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE name = 'keys_version'")) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        });
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** One UPDATE or DELETE of at most one row; the version moves (and instances are told) only when a row changed. */
    private boolean change(String what, String sql, Binder binder) {
        return db.inTransaction(what, c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                n = ps.executeUpdate();
            }
            return n > 0 && bump(c);
        });
    }

    /** Moves keys_version and announces it; delivered to listeners when the transaction commits. */
    private static boolean bump(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE meta SET value = value + 1 WHERE name = 'keys_version'");
            s.execute("NOTIFY " + CHANNEL);
        }
        return true;
    }
}
