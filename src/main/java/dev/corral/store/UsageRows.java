package dev.corral.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;

/**
 * A usage record as a row of the usage table, the same in SQLite and PostgreSQL: its columns, the
 * parameters of an insert, and the record read back. A token count that Ollama did not report (-1)
 * is stored as NULL.
 */
final class UsageRows {
    /** The columns an insert names, in the order {@link #bind} sets them. */
    static final String COLUMNS = "ts, request_id, key_id, route, model, status, outcome, prompt_tokens,"
            + " completion_tokens, duration_ms, bytes_in, bytes_out, auth";
    static final String PARAMETERS = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

    private UsageRows() {}

    /** Sets an insert's parameters (named by {@link #COLUMNS}) to a record. */
    static void bind(PreparedStatement ps, UsageRecord u) throws SQLException {
        ps.setLong(1, u.time().toEpochMilli());
        ps.setString(2, u.requestId());
        ps.setString(3, u.keyId());
        ps.setString(4, u.route());
        ps.setString(5, u.model());
        ps.setInt(6, u.status());
        ps.setString(7, u.outcome());
        count(ps, 8, u.promptTokens());
        count(ps, 9, u.completionTokens());
        ps.setLong(10, u.durationMs());
        ps.setLong(11, u.bytesIn());
        ps.setLong(12, u.bytesOut());
        ps.setString(13, u.auth());
    }

    /** The record of the result's current row (selected with the columns by name). */
    static UsageRecord read(ResultSet rs) throws SQLException {
        return new UsageRecord(Instant.ofEpochMilli(rs.getLong("ts")), rs.getString("request_id"), rs.getString("key_id"),
                rs.getString("route"), rs.getString("model"), rs.getInt("status"), rs.getString("outcome"),
                count(rs, "prompt_tokens"), count(rs, "completion_tokens"), rs.getLong("duration_ms"), rs.getLong("bytes_in"),
                rs.getLong("bytes_out"), rs.getString("auth"));
    }

    private static void count(PreparedStatement ps, int i, long v) throws SQLException {
        if (v < 0) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

    private static long count(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? -1 : v;
    }
}
