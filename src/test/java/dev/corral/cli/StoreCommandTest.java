package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.access.KeyHasher;
import dev.corral.access.KeyIssuer;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.store.Credential;
import dev.corral.store.KeyRecord;
import dev.corral.store.Scope;
import dev.corral.store.SqliteStore;
import dev.corral.store.StateDir;
import dev.corral.store.StoreException;
import dev.corral.store.UsageRecord;
import dev.corral.testing.PostgresServer;
import dev.corral.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `corral store migrate` and `corral store copy`: the move from SQLite to PostgreSQL, as an operator makes it. */
class StoreCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run corral(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CorralCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), Map.of()).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void migrateSaysWhatItDidOnSqliteAndOnPostgres() throws Exception {
        Run sqlite = corral("store", "migrate", "--state-dir", dir.toString());
        assertThat(sqlite.code()).as(sqlite.err()).isZero();
        assertThat(sqlite.out().trim()).isEqualTo(dir.resolve("corral.db") + ": at version 4, nothing to migrate");

        PostgresServer pg = PostgresServer.get();
        String db = pg.newDatabase();
        Path cfg = dir.resolve("corral.yaml");
        Files.writeString(cfg, "store: " + pg.url(db) + "\nstore_password_file: " + pg.passwordFile() + "\n");
        Run first = corral("store", "migrate", "--config", cfg.toString(), "--state-dir", dir.toString());
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out().trim()).isEqualTo(pg.url(db) + ": empty to version 2: 2 migrations applied");
        Run again = corral("store", "migrate", "--config", cfg.toString(), "--state-dir", dir.toString());
        assertThat(again.out().trim()).isEqualTo(pg.url(db) + ": at version 2, nothing to migrate");

        assertThat(corral("store", "migrate", "--help").out()).contains("pending schema migration");
    }

    @Test
    void copyMovesASqliteStoreIntoPostgresAndItsKeysWorkThere() throws Exception {
        Path source = dir.resolve("state");
        StateDir sd = StateDir.open(source);
        String key;
        List<UsageRecord> usage = new ArrayList<>();
        Instant t = Instant.parse("2025-03-01T12:00:00Z");
        try (SqliteStore s = SqliteStore.open(sd)) {
            KeyIssuer issuer = new KeyIssuer(s, new KeyHasher(sd.serverSecret()), Clock.systemUTC());
            key = issuer.create("kept", EnumSet.of(Scope.INFERENCE), List.of(), null).key();
            KeyIssuer.Issued rotated = issuer.create("rotated", EnumSet.of(Scope.INFERENCE), List.of("llama3*"), null);
            s.rotateKey(rotated.record().id(), new byte[] {7}, rotated.record().hmac(), t.plusSeconds(86_400 * 365L * 50));
            KeyIssuer.Issued revoked = issuer.create("gone", EnumSet.of(Scope.META), List.of(), null);
            s.revokeKey(revoked.record().id(), t);
            s.putCredential(new Credential(Credential.BASIC, "ann", rotated.record().id(), "$2a$10$hash", t));
            for (int i = 0; i < 2_500; i++) {
                usage.add(new UsageRecord(t.plusMillis(i), "req-" + i, revoked.record().id(), "chat", "m", 200, "completed",
                        i, 1, 1, 1, 1, "key"));
            }
            s.insertUsage(usage);
        }
        // The instance's audit log, as its server would have written it.
        try (dev.corral.audit.AuditLog log = dev.corral.audit.AuditLog.open(source.resolve("audit.log"), Clock.systemUTC())) {
            log.record("system", "server.start", null, Map.of("version", "old"));
            log.record("uid:1000", "key.revoke", "k", Map.of());
        }
        List<KeyRecord> keysBefore;
        try (SqliteStore s = SqliteStore.open(sd)) {
            keysBefore = s.listKeys();
        }

        PostgresServer pg = PostgresServer.get();
        String db = pg.newDatabase();
        Run copy = corral("store", "copy", "--from", source.toString(), "--to", pg.url(db), "--password-file", pg.passwordFile().toString());
        assertThat(copy.code()).as(copy.err()).isZero();
        assertThat(copy.out()).contains("copied 3 keys, 1 credentials, 2500 usage records and 2 audit entries from " + source
                + " to " + pg.url(db))
                .contains("next: copy " + source.resolve("server.secret"));

        Run twice = corral("store", "copy", "--from", source.toString(), "--to", pg.url(db), "--password-file", pg.passwordFile().toString());
        assertThat(twice.code()).isEqualTo(1);
        assertThat(twice.err()).contains("already holds 3 keys");

        Run withPassword = corral("store", "copy", "--from", source.toString(), "--to", "postgres://corral:pw@127.0.0.1/x");
        assertThat(withPassword.code()).isNotZero();
        assertThat(withPassword.err()).contains("--to").contains("holds a password").doesNotContain(":pw@");

        // For the CLI below: a state_dir of its own holding the source's secret (the server's is removed when it stops).
        Path cliDir = StateDir.open(dir.resolve("cli")).path();
        Files.copy(source.resolve(StateDir.SECRET_FILE), cliDir.resolve(StateDir.SECRET_FILE), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        // A server on PostgreSQL with the source's server secret (its state_dir) takes the copied keys.
        try (TestGateway gw = TestGateway.start(Map.of("store", pg.url(db), "store_password_file", pg.passwordFile().toString(),
                "state_dir", source.toString()), SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            assertThat(gw.corral.store().listKeys()).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(keysBefore);
            assertThat(gw.corral.store().listCredentials()).extracting(Credential::ident).containsExactly("ann");
            assertThat(gw.corral.store().usageSince(Instant.EPOCH, null)).containsExactlyElementsOf(usage);
            assertThat(gw.get("/api/tags", key).statusCode()).isEqualTo(200);
        }
        // The shared chain starts with the instance's own entries and goes on from them: one chain.
        Path cfg = dir.resolve("corral.yaml");
        Files.writeString(cfg, "store: " + pg.url(db) + "\nstore_password_file: " + pg.passwordFile() + "\n");
        Run verified = corral("audit", "verify", "--shared", "--config", cfg.toString(), "--state-dir", dir.resolve("v").toString());
        assertThat(verified.code()).as(verified.err()).isZero();
        assertThat(verified.out()).startsWith(pg.url(db) + " (shared audit chain): 4 entries, chain intact");

        // The CLI on its own (no server running) writes to the same store and the same chain, with the same secret.
        Run made = corral("keys", "create", "--name", "offline", "--config", cfg.toString(), "--state-dir", cliDir.toString());
        assertThat(made.code()).as(made.err()).isZero();
        Run after = corral("audit", "verify", "--shared", "--config", cfg.toString(), "--state-dir", dir.resolve("v").toString());
        assertThat(after.out()).startsWith(pg.url(db) + " (shared audit chain): 5 entries, chain intact");
        Run stranger = corral("keys", "create", "--name", "x", "--config", cfg.toString(), "--state-dir", dir.resolve("w").toString());
        assertThat(stranger.code()).isEqualTo(1);
        assertThat(stranger.err()).contains("this instance's server.secret");
        // An instance whose state_dir has another server.secret would refuse every key: it does not start.
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        assertThatThrownBy(() -> TestGateway.start(Map.of("store", pg.url(db), "store_password_file", pg.passwordFile().toString(),
                "state_dir", elsewhere.toString()), SimConfig.defaults(new HostPort("127.0.0.1", 0))))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(pg.url(db) + ": this instance's server.secret").hasMessageContaining("Copy server.secret");
    }
}
