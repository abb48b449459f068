package dev.corral.store;

import java.nio.file.Path;
import java.sql.Connection;
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
                    ps.setString(4, k.scopes().stream().map(Scope::id).sorted().collect(Collectors.joining(",")));
                    ps.setString(5, String.join(",", k.models()));
                    ps.setLong(6, k.createdAt().toEpochMilli());
                    setInstant(ps, 7, k.expiresAt());
                    setInstant(ps, 8, k.revokedAt());
                    setLimits(ps, 9, k.limits());
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
                    out.add(key(rs));
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
                    return rs.next() ? Optional.of(key(rs)) : Optional.empty();
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
                    setLimits(ps, 1, limits);
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
                    ps.setString(1, scopes.stream().map(Scope::id).sorted().collect(Collectors.joining(",")));
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
                    setInstant(ps, 3, until);
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

    private static KeyRecord key(ResultSet rs) throws SQLException {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : rs.getString("scopes").split(",")) {
            if (!s.isBlank()) {
                scopes.add(Scope.parse(s));
            }
        }
        String models = rs.getString("models");
        List<String> modelList = models.isBlank() ? List.of() : Arrays.asList(models.split(","));
        KeyLimits limits = new KeyLimits(nullableLong(rs, "rpm"), nullableLong(rs, "tpm"),
                nullableLong(rs, "daily_tokens"), nullableLong(rs, "monthly_tokens"), nullableInt(rs, "concurrency"),
                nullableInt(rs, "weight"));
        byte[] previous = rs.getBytes("previous_hmac");
        Instant until = instant(rs, "previous_until");
        return new KeyRecord(rs.getString("id"), rs.getString("name"), rs.getBytes("hmac"), Set.copyOf(scopes),
                List.copyOf(modelList), Instant.ofEpochMilli(rs.getLong("created_at")), instant(rs, "expires_at"),
                instant(rs, "revoked_at"), limits, previous == null || until == null ? null : new KeyRecord.Rotation(previous, until));
    }

    private static void setLimits(PreparedStatement ps, int at, KeyLimits l) throws SQLException {
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

    private static Instant instant(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }
}
