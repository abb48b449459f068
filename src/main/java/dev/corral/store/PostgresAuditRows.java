package dev.corral.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The shared audit chain in PostgreSQL (table audit). An append takes a transaction-scoped advisory
 * lock, reads the last row, inserts the next and commits, so appends from every instance are
 * serialized and none can chain to a row another is replacing.
 */
final class PostgresAuditRows implements AuditRows {
    /** The advisory lock key of audit appends (any constant that nothing else on the database uses). */
    static final long LOCK = 0x636f7272616c41L; // "corralA"

    private final PostgresConnection db;

    PostgresAuditRows(PostgresConnection db) {
        this.db = db;
    }

    @Override
    public Row append(UnaryOperator<Row> next) {
        return db.inTransaction("append to the audit chain", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + LOCK + ")");
            }
            Row last = null;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT seq, line FROM audit ORDER BY seq DESC LIMIT 1")) {
                if (rs.next()) {
                    last = new Row(rs.getLong(1), rs.getString(2));
                }
            }
            Row row = next.apply(last);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit (seq, line) VALUES (?, ?)")) {
                ps.setLong(1, row.seq());
                ps.setString(2, row.line());
                ps.executeUpdate();
            }
            return row;
        });
    }

    @Override
    public void close() {
        db.close();
    }

    @Override
    public void forEach(Consumer<Row> each) {
        // In a transaction (never retried: rows handed out must not be handed out again), through a
        // cursor: rows are fetched 500 at a time, not all at once.
        db.inTransaction("read the audit chain", c -> {
            try (Statement s = c.createStatement()) {
                s.setFetchSize(500);
                try (ResultSet rs = s.executeQuery("SELECT seq, line FROM audit ORDER BY seq")) {
                    while (rs.next()) {
                        each.accept(new Row(rs.getLong(1), rs.getString(2)));
                    }
                }
            }
            return null;
        });
    }
}
