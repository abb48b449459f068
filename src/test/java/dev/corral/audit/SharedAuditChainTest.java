package dev.corral.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.corral.admin.AdminClient;
import dev.corral.cli.CorralCommand;
import dev.corral.config.ConfigLoader;
import dev.corral.config.HostPort;
import dev.corral.config.StoreConfig;
import dev.corral.sim.SimConfig;
import dev.corral.store.AuditRows;
import dev.corral.store.PostgresStore;
import dev.corral.store.StateDir;
import dev.corral.testing.PostgresServer;
import dev.corral.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One audit chain, several writers: instances on one PostgreSQL append to a single chain that verifies whole. */
class SharedAuditChainTest {
    @TempDir
    Path dir;

    private static StoreConfig config(PostgresServer pg, String db) {
        return new ConfigLoader(Map.of("CORRAL_STORE", pg.url(db), "CORRAL_STORE_PASSWORD_FILE", pg.passwordFile().toString()))
                .load(null, Map.of()).store();
    }

    private static List<String> lines(AuditRows rows) {
        List<String> out = new ArrayList<>();
        rows.forEach(r -> out.add(r.line()));
        return out;
    }

    @Test
    void twoInstancesWritingAtOnceMakeOneUnbrokenChain() throws Exception {
        PostgresServer pg = PostgresServer.get();
        StoreConfig cfg = config(pg, pg.newDatabase());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (PostgresStore a = PostgresStore.open(cfg.postgres(), Map.of());
             PostgresStore b = PostgresStore.open(cfg.postgres(), Map.of())) {
            List<Future<?>> writers = new ArrayList<>();
            List<SharedAuditChain> chains = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                SharedAuditChain chain = new SharedAuditChain((w % 2 == 0 ? a : b).sharedAudit().orElseThrow(), Clock.systemUTC());
                chains.add(chain);
                String actor = "uid:" + (1000 + w);
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        chain.record(actor, Actions.KEY_CREATE, "k" + i, Map.of("name", "n" + i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : writers) {
                f.get();
            }
            chains.forEach(SharedAuditChain::close);
            try (AuditRows rows = a.sharedAudit().orElseThrow()) {
                AuditVerifier.Result r = SharedAuditChain.verify(rows, null, dir);
                assertThat(r.ok()).as(String.valueOf(r.problem())).isTrue();
                assertThat(r.entries()).isEqualTo(200);
                assertThat(r.last().seq()).isEqualTo(200);
                assertThat(lines(rows)).anyMatch(l -> l.contains("uid:1000")).anyMatch(l -> l.contains("uid:1003"));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void serversOnOneDatabaseShareTheChainAndAuditVerifySharedFindsAnEdit() throws Exception {
        PostgresServer pg = PostgresServer.get();
        String db = pg.newDatabase();
        Map<String, String> store = Map.of("store", pg.url(db), "store_password_file", pg.passwordFile().toString());
        Path second = Files.createDirectories(dir.resolve("second"));
        try (TestGateway one = TestGateway.start(store, SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            // The second instance brings the first one's server.secret, as every instance on one store must.
            Files.copy(one.stateDir.resolve(StateDir.SECRET_FILE), second.resolve(StateDir.SECRET_FILE));
            Map<String, String> o = new java.util.HashMap<>(store);
            o.put("state_dir", second.toString());
            try (TestGateway two = TestGateway.start(o, SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
                for (TestGateway gw : List.of(one, two)) {
                    AdminClient admin = new AdminClient(gw.corral.adminSocket(), Duration.ofSeconds(10));
                    assertThat(admin.call("POST", "/admin/v1/keys", JsonNodeFactory.instance.objectNode().put("name", "made-on-"
                            + gw.port())).status()).isEqualTo(201);
                }
            }
        }
        Path cfgFile = dir.resolve("corral.yaml");
        Files.writeString(cfgFile, "store: " + pg.url(db) + "\nstore_password_file: " + pg.passwordFile() + "\nstate_dir: " + second + "\n");
        String[] verify = {"audit", "verify", "--shared", "--config", cfgFile.toString()};
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(CorralCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), Map.of()).execute(verify))
                .as(err.toString()).isZero();
        assertThat(out.toString()).startsWith(pg.url(db) + " (shared audit chain): 6 entries, chain intact");
        try (Connection c = pg.connect(db); Statement st = c.createStatement()) {
            List<String> actions = new ArrayList<>();
            try (var rs = st.executeQuery("SELECT line FROM audit ORDER BY seq")) {
                while (rs.next()) {
                    actions.add(AuditEntry.parse(rs.getString(1).getBytes(StandardCharsets.UTF_8)).action());
                }
            }
            assertThat(actions).containsExactly("server.start", "server.start", "key.create", "key.create", "server.stop", "server.stop");
            st.executeUpdate("UPDATE audit SET line = replace(line, 'made-on-', 'made-by-') WHERE seq = 3");
        }
        StringWriter err2 = new StringWriter();
        assertThat(CorralCommand.commandLine(new PrintWriter(new StringWriter(), true), new PrintWriter(err2, true), Map.of())
                .execute(verify)).isEqualTo(1);
        assertThat(err2.toString()).contains(pg.url(db) + " (shared audit chain) line 3 (seq 3): hash mismatch");
    }
}
