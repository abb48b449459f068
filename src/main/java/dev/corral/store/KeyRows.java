package dev.corral.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** How a key is laid out in a row, the same in SQLite and PostgreSQL: scopes and models as comma lists, times as epoch milliseconds. */
final class KeyRows {
    private KeyRows() {}

    /** Scopes as stored: their ids, sorted, comma-separated. */
    static String scopes(Set<Scope> scopes) {
        return scopes.stream().map(Scope::id).sorted().collect(Collectors.joining(","));
    }

    static KeyRecord key(ResultSet rs) throws SQLException {
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

    static void setLimits(PreparedStatement ps, int at, KeyLimits l) throws SQLException {
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

    static Long nullableLong(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    static Integer nullableInt(ResultSet rs, String col) throws SQLException {
        int v = rs.getInt(col);
        return rs.wasNull() ? null : v;
    }

    static void setInstant(PreparedStatement ps, int i, Instant t) throws SQLException {
        if (t == null) {
            ps.setNull(i, Types.INTEGER);
        } else {
            ps.setLong(i, t.toEpochMilli());
        }
    }

    static Instant instant(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }
}
