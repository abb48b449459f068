package dev.corral.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Usage records in PostgreSQL: batches written on their own connection (so a batch waiting on the
 * database never holds up a key reload), and the reads behind budgets and reports on the main one.
 * Grouping and sums give what the SQLite store gives, row for row.
 */
final class PostgresUsage {
    private final PostgresConnection writer;
    private final PostgresConnection reader;

    PostgresUsage(PostgresConnection writer, PostgresConnection reader) {
        this.writer = writer;
        this.reader = reader;
    }

    /** One transaction; a record whose request id is already stored is skipped (ON CONFLICT DO NOTHING). */
    void insert(List<UsageRecord> batch) {
        if (batch.isEmpty()) {
            return;
        }
        writer.inTransaction("write " + batch.size() + " usage records", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO usage (" + UsageRows.COLUMNS + ") VALUES (" + UsageRows.PARAMETERS + ")"
                            + " ON CONFLICT (request_id) DO NOTHING")) {
                for (UsageRecord u : batch) {
                    UsageRows.bind(ps, u);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    long tokensSince(String keyId, Instant since) {
        return reader.run("sum usage", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(GREATEST(COALESCE(prompt_tokens, 0), 0)"
                    + " + GREATEST(COALESCE(completion_tokens, 0), 0)), 0) FROM usage WHERE key_id = ? AND ts >= ?")) {
                ps.setString(1, keyId);
                ps.setLong(2, since.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    List<UsageRecord> since(Instant since, String keyId) {
        String sql = "SELECT * FROM usage WHERE ts >= ?" + (keyId == null ? "" : " AND key_id = ?") + " ORDER BY id";
        return reader.run("read usage", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
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
            }
        });
    }

    List<Store.UsageTotals> totals(Instant since, Instant until, String keyId, String by) {
        String group = switch (by) {
            case "day" -> "to_char(to_timestamp(ts / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
            case "minute" -> "to_char(to_timestamp(ts / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI')";
            case "status" -> "CAST(status AS TEXT)";
            case "model" -> "COALESCE(model, '-')";
            case "key" -> "COALESCE(key_id, '-')";
            case "route" -> "COALESCE(route, '-')";
            default -> "'total'";
        };
        // COLLATE "C": groups in byte order, as SQLite sorts them, whatever the database's locale.
        String sql = "SELECT (" + group + ") COLLATE \"C\" AS g, COUNT(*), SUM(CASE WHEN outcome = 'refused' THEN 1 ELSE 0 END),"
                + " COALESCE(SUM(GREATEST(COALESCE(prompt_tokens, 0), 0)), 0), COALESCE(SUM(GREATEST(COALESCE(completion_tokens, 0), 0)), 0)"
                + " FROM usage WHERE ts >= ?" + (until == null ? "" : " AND ts < ?") + (keyId == null ? "" : " AND key_id = ?")
                + " GROUP BY g ORDER BY g";
        return reader.run("total usage", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
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
                        out.add(new Store.UsageTotals(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
                    }
                    return out;
                }
            }
        });
    }


}
