package dev.corral.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Reads the usage table on the store's main connection: a key's tokens, the records, the totals for reports. */
final class SqliteUsageReads {
    private final Path file;
    private final Connection conn;
    /** The main connection's lock, shared with the key queries on the same connection. */
    private final Object lock;

    SqliteUsageReads(Path file, Connection conn, Object lock) {
        this.file = file;
        this.conn = conn;
        this.lock = lock;
    }

    long tokensSince(String keyId, Instant since) {
        synchronized (lock) {
            try (PreparedStatement ps = conn.prepareStatement("SELECT COALESCE(SUM(MAX(COALESCE(prompt_tokens, 0), 0)"
                    + " + MAX(COALESCE(completion_tokens, 0), 0)), 0) FROM usage WHERE key_id = ? AND ts >= ?")) {
                ps.setString(1, keyId);
                ps.setLong(2, since.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0;
                }
            } catch (SQLException e) {
                throw SqliteErrors.fail(file, "sum usage", e);
            }
        }
    }

    List<UsageRecord> since(Instant since, String keyId) {
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
                        out.add(UsageRows.read(rs));
                    }
                    return out;
                }
            } catch (SQLException e) {
                throw SqliteErrors.fail(file, "read usage", e);
            }
        }
    }

    List<Store.UsageTotals> totals(Instant since, Instant until, String keyId, String by) {
        String group = switch (by) {
            case "day" -> "strftime('%Y-%m-%d', ts / 1000, 'unixepoch')";
            case "minute" -> "strftime('%Y-%m-%dT%H:%M', ts / 1000, 'unixepoch')";
            case "status" -> "CAST(status AS TEXT)";
            case "model" -> "COALESCE(model, '-')";
            case "key" -> "COALESCE(key_id, '-')";
            case "route" -> "COALESCE(route, '-')";
            default -> "'total'";
        };
        String sql = "SELECT " + group + " AS g, COUNT(*), SUM(CASE WHEN outcome = 'refused' THEN 1 ELSE 0 END),"
                + " COALESCE(SUM(MAX(COALESCE(prompt_tokens, 0), 0)), 0), COALESCE(SUM(MAX(COALESCE(completion_tokens, 0), 0)), 0)"
                + " FROM usage WHERE ts >= ?" + (until == null ? "" : " AND ts < ?") + (keyId == null ? "" : " AND key_id = ?")
                + " GROUP BY g ORDER BY g";
        synchronized (lock) {
            try (PreparedStatement ps = conn.prepareStatement(sql)) {
                int i = 1;
                ps.setLong(i++, since.toEpochMilli());
                if (until != null) {
                    ps.setLong(i++, until.toEpochMilli());
                }
                if (keyId != null) {
                    ps.setString(i, keyId);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    List<Store.UsageTotals> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new Store.UsageTotals(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                                rs.getLong(5)));
                    }
                    return out;
                }
            } catch (SQLException e) {
                throw SqliteErrors.fail(file, "total usage", e);
            }
        }
    }

    /** A stored token count; -1 when the column is NULL (the count was unknown). */
}
