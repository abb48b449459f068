package dev.corral.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flyway takes over the SQLite schema where SqliteSchema ends: a database made before Flyway (at
 * schema 4, with keys, credentials and usage in it) is baselined in place and a later script applied,
 * every row kept; opening a database with nothing pending never runs Flyway.
 */
class SqliteMigrationsTest {
    private static final Instant T = Instant.parse("2025-03-01T12:00:00Z");

    @TempDir
    Path dir;

    @Test
    void aDatabaseMadeBeforeFlywayIsTakenOverInPlaceKeepingEveryRow() throws Exception {
        Path db = dir.resolve(StateDir.DATABASE_FILE);
        StateDir.open(dir);
        // The database as Corral made it before Flyway: SqliteSchema's version 4, no Flyway history.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            SqliteSchema.migrate(c, db);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            SqliteKeys keys = new SqliteKeys(db, c, new Object());
            keys.create(StoreContract.key("k1"));
            new SqliteCredentials(db, c, new Object()).put(new Credential(Credential.BASIC, "ann", "k1", "$2a$10$h", T));
            keys.revoke("k1", T.plusSeconds(1));
        }
        SqliteUsageWriter w = new SqliteUsageWriter(db, 1_000);
        w.insert(List.of(StoreContract.rec("r1", "k1", T, 3, 4, "completed")));
        w.close();
        assertThat(tables(db)).doesNotContain("flyway_schema_history");

        // A later script (as V5 will be), through the same path `corral store migrate` and opening take.
        assertThat(SqliteMigrations.migrate(db, "classpath:db/sqlite-handover")).isEqualTo("version 4 to version 5: 1 migration applied");
        try (SqliteStore s = SqliteStore.open(StateDir.open(dir))) {
            assertThat(s.findKey("k1").orElseThrow().revokedAt()).isEqualTo(T.plusSeconds(1));
            assertThat(s.listCredentials()).extracting(Credential::ident).containsExactly("ann");
            assertThat(s.usageSince(Instant.EPOCH, null)).containsExactly(StoreContract.rec("r1", "k1", T, 3, 4, "completed"));
            assertThat(s.keysVersion()).isEqualTo(3);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version, type, success FROM flyway_schema_history ORDER BY installed_rank")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(SqliteMigrations.BASELINE);
            assertThat(rs.getString(2)).isEqualTo("BASELINE");
            assertThat(rs.getInt(3)).isEqualTo(1);
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("5");
            assertThat(rs.getString(2)).isEqualTo("SQL");
            assertThat(rs.getInt(3)).isEqualTo(1);
        }
        assertThat(tablesAndIndexes(db)).contains("usage_model_ts");
    }

    @Test
    void openingADatabaseWithNothingPendingNeverRunsFlyway() throws Exception {
        Path db = dir.resolve(StateDir.DATABASE_FILE);
        SqliteStore.open(StateDir.open(dir)).close();
        // Flyway opens a connection of its own and writes its history table: neither happened.
        assertThat(tables(db)).doesNotContain("flyway_schema_history");
        // `corral store migrate` runs it: the hand-over is recorded, and opening stays Flyway-free.
        assertThat(SqliteMigrations.migrate(db)).isEqualTo("at version " + SqliteMigrations.LATEST + ", nothing to migrate");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            assertThat(SqliteMigrations.pending(c)).isFalse();
        }
    }

    @Test
    void theLatestVersionIsTheLastScriptsOrTheBaseline() throws Exception {
        URL loc = getClass().getClassLoader().getResource("db/sqlite");
        int last = Integer.parseInt(SqliteMigrations.BASELINE);
        if (loc != null) {
            try (Stream<Path> files = Files.list(Path.of(loc.toURI()))) {
                for (Path f : files.toList()) {
                    String n = f.getFileName().toString();
                    if (n.matches("V\\d+__.*\\.sql")) {
                        last = Math.max(last, Integer.parseInt(n.substring(1, n.indexOf("__"))));
                    }
                }
            }
        }
        assertThat(SqliteMigrations.LATEST).isEqualTo(Integer.toString(last));
    }

    private static List<String> tablesAndIndexes(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master")) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    private static List<String> tables(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
