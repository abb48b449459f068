package dev.corral.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store's usage side: idempotent writes, the schema migration, failures named for /healthz. */
class SqliteStoreTest {
    private static final Instant T = Instant.parse("2025-03-01T12:00:00Z");

    @TempDir
    Path dir;

    private static UsageRecord rec(String id, long prompt) {
        return new UsageRecord(T, id, "k", "chat", "m", 200, "completed", prompt, 1, 2, 3, 4);
    }

    @Test
    void writingTheSameRecordTwiceStoresItOnce() throws Exception {
        try (SqliteStore s = SqliteStore.open(StateDir.open(dir))) {
            s.insertUsage(List.of(rec("a", 1), rec("b", 2)));
            s.insertUsage(List.of(rec("b", 2), rec("c", 3), rec("a", 99)));
            assertThat(s.usageSince(Instant.EPOCH, null)).extracting(UsageRecord::requestId).containsExactly("a", "b", "c");
            assertThat(s.usageSince(Instant.EPOCH, null).get(0).promptTokens()).isEqualTo(1); // the first one wins
        }
    }

    @Test
    void anOlderDatabaseIsMigratedKeepingEveryRowEvenWithDuplicateRequestIds() throws Exception {
        Path db = dir.resolve(StateDir.DATABASE_FILE);
        // The schema as the first version made it, with two rows sharing a request id.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            st.execute("INSERT INTO meta (name, value) VALUES ('schema', 1), ('keys_version', 0)");
            st.execute("CREATE TABLE keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, hmac BLOB NOT NULL, scopes TEXT NOT NULL,"
                    + " models TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER)");
            st.execute("CREATE TABLE usage (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, request_id TEXT NOT NULL,"
                    + " key_id TEXT, route TEXT, model TEXT, status INTEGER NOT NULL, outcome TEXT NOT NULL, prompt_tokens INTEGER,"
                    + " completion_tokens INTEGER, duration_ms INTEGER NOT NULL, bytes_in INTEGER NOT NULL, bytes_out INTEGER NOT NULL)");
            for (String id : List.of("dup", "x", "dup")) {
                st.execute("INSERT INTO usage (ts, request_id, key_id, status, outcome, prompt_tokens, completion_tokens,"
                        + " duration_ms, bytes_in, bytes_out) VALUES (1, '" + id + "', 'k', 200, 'completed', 5, 5, 1, 1, 1)");
            }
        }
        try (SqliteStore s = SqliteStore.open(StateDir.open(dir))) {
            List<UsageRecord> rows = s.usageSince(Instant.EPOCH, null);
            assertThat(rows).extracting(UsageRecord::requestId).containsExactly("dup", "x", "dup#3");
            assertThat(s.tokensSince("k", Instant.EPOCH)).isEqualTo(30);
            s.insertUsage(List.of(rec("dup", 1), rec("new", 1)));
            assertThat(s.usageSince(Instant.EPOCH, null)).hasSize(4);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT value FROM meta WHERE name = 'schema'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(SqliteStore.SCHEMA_VERSION);
        }
        // Opening a current database writes nothing, so it works while another process holds it locked.
        try (Connection locker = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = locker.createStatement()) {
            st.execute("BEGIN EXCLUSIVE");
            try (SqliteStore s = SqliteStore.open(StateDir.open(dir), 50)) {
                assertThat(s.usageSince(Instant.EPOCH, null)).hasSize(4);
                assertThatThrownBy(() -> s.insertUsage(List.of(rec("z", 1))))
                        .isInstanceOfSatisfying(StoreException.class, e -> {
                            assertThat(e.reason()).isEqualTo("database locked");
                            assertThat(e.reason()).doesNotContain(dir.toString());
                        });
                assertThat(s.keysVersion()).isZero(); // the key side reads on
            }
            st.execute("ROLLBACK");
        }
    }
}
