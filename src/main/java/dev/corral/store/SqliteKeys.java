package dev.corral.store;

import java.nio.file.Path;
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
 * The keys table on the store's main connection: create, list, find, revoke, change limits; every change
 * bumps {@code keys_version} in the same transaction, so servers polling it reload.
 */
final class SqliteKeys {
    private final Path file;
    private final Connection conn;
    /** The main connection's lock, shared with the usage reads on the same connection. */
    private final Object lock;

    SqliteKeys(Path file, Connection conn, Object lock) {
        this.file = file;
        this.conn = conn;
        this.lock = lock;
    }

    void create(KeyRecord k) {
        synchronized (lock) {
            inTransaction(() -> {
                try (PreparedStatement ps = conn.prepareStatement(
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
                bumpVersion();
            }, "create key " + k.id());
        }
    }

    List<KeyRecord> list() {
        synchronized (lock) {
            try (Statement s = conn.createStatement();
                 ResultSet rs = s.executeQuery("SELECT * FROM keys ORDER BY created_at, id")) {
                List<KeyRecord> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(KeyRows.key(rs));
                }
                return out;
            } catch (SQLException e) {
                throw SqliteErrors.fail(file, "list keys", e);
            }
        }
    }

    Optional<KeyRecord> find(String id) {
        synchronized (lock) {
            try (PreparedStatement ps = conn.prepareStatement("SELECT * FROM keys WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(KeyRows.key(rs)) : Optional.empty();
                }
            } catch (SQLException e) {
                throw SqliteErrors.fail(file, "find key", e);
            }
        }
    }

    boolean revoke(String id, Instant at) {
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
                    bumpVersion();
                }
            }, "revoke key " + id);
            return changed[0];
        }
    }

    boolean updateLimits(String id, KeyLimits limits) {
        synchronized (lock) {
            boolean[] changed = new boolean[1];
            inTransaction(() -> {
                try (PreparedStatement ps = conn.prepareStatement("UPDATE keys SET rpm = ?, tpm = ?, daily_tokens = ?,"
                        + " monthly_tokens = ?, concurrency = ?, weight = ? WHERE id = ?")) {
                    KeyRows.setLimits(ps, 1, limits);
                    ps.setString(7, id);
                    changed[0] = ps.executeUpdate() == 1;
                }
                if (changed[0]) {
                    bumpVersion();
                }
            }, "update key " + id);
            return changed[0];
        }
    }

    /** Sets an active key's scopes and models, stored as create stores them. */
    boolean updateAccess(String id, Set<Scope> scopes, List<String> models) {
        synchronized (lock) {
            boolean[] changed = new boolean[1];
            inTransaction(() -> {
                try (PreparedStatement ps = conn.prepareStatement("UPDATE keys SET scopes = ?, models = ?"
                        + " WHERE id = ? AND revoked_at IS NULL")) {
                    ps.setString(1, KeyRows.scopes(scopes));
                    ps.setString(2, String.join(",", models));
                    ps.setString(3, id);
                    changed[0] = ps.executeUpdate() == 1;
                }
                if (changed[0]) {
                    bumpVersion();
                }
            }, "update key " + id);
            return changed[0];
        }
    }

    /** Replaces the secret's HMAC; the previous one keeps working until {@code until} (null: at once no more). */
    boolean rotate(String id, byte[] hmac, byte[] previous, Instant until) {
        synchronized (lock) {
            boolean[] changed = new boolean[1];
            inTransaction(() -> {
                try (PreparedStatement ps = conn.prepareStatement("UPDATE keys SET hmac = ?, previous_hmac = ?,"
                        + " previous_until = ? WHERE id = ? AND revoked_at IS NULL")) {
                    ps.setBytes(1, hmac);
                    ps.setBytes(2, until == null ? null : previous);
                    KeyRows.setInstant(ps, 3, until);
                    ps.setString(4, id);
                    changed[0] = ps.executeUpdate() == 1;
                }
                if (changed[0]) {
                    bumpVersion();
                }
            }, "rotate key " + id);
            return changed[0];
        }
    }

    long version() {
        synchronized (lock) {
            try (Statement s = conn.createStatement();
                 ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE name = 'keys_version'")) {
                return rs.next() ? rs.getLong(1) : 0;
            } catch (SQLException e) {
                throw SqliteErrors.fail(file, "read keys version", e);
            }
        }
    }

    private interface SqlWork {
        void run() throws SQLException;
    }

    private void inTransaction(SqlWork work, String what) {
        SqliteTransactions.inTransaction(conn, file, what, () -> {
            work.run();
            return null;
        });
    }

    private void bumpVersion() throws SQLException {
        SqliteTransactions.bumpKeysVersion(conn);
    }
}
