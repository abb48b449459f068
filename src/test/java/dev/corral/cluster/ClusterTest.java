package dev.corral.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.corral.access.ApiKey;
import dev.corral.admin.AdminClient;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.store.KeyLimits;
import dev.corral.store.StateDir;
import dev.corral.testing.Eventually;
import dev.corral.testing.PostgresServer;
import dev.corral.testing.RedisServer;
import dev.corral.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's first scenario as an operator runs it: two Corral instances on one PostgreSQL store and
 * one Redis, each in front of its own simulator. A key made on one is served by the other (keys
 * reach it by LISTEN/NOTIFY), 40 parallel streams split over both against a tpm that fits five serve
 * five, a revocation on one is in force on the other within a second, and every request has exactly
 * one usage row in PostgreSQL.
 */
class ClusterTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Slow to start, so no stream ends (and gives back) before all 40 were admitted or refused. */
    static final SimConfig SIM = SimConfig.defaults(new HostPort("127.0.0.1", 0)).withTokens(20).withFirstByteDelayMs(3000);
    static final String BODY = "{\"model\":\"llama3.2:3b\",\"prompt\":\"hello\",\"stream\":true,\"options\":{\"num_predict\":20}}";

    @Test
    void twoInstancesOnOnePostgresAndOneRedisShareKeysLimitsAndUsage() throws Exception {
        PostgresServer pg = PostgresServer.get();
        RedisServer redis = RedisServer.shared();
        redis.flush();
        String db = pg.newDatabase();
        Map<String, String> cluster = Map.of("store", pg.url(db), "store_password_file", pg.passwordFile().toString(),
                "limits.shared", redis.url(), "limits.shared_timeout", "2s");
        try (TestGateway a = TestGateway.start(cluster, SIM)) {
            // The second instance: its own state directory (journal, audit file) with the same server secret.
            Path second = Files.createTempDirectory("corral-cluster-b-");
            Files.copy(a.stateDir.resolve(StateDir.SECRET_FILE), second.resolve(StateDir.SECRET_FILE),
                    StandardCopyOption.COPY_ATTRIBUTES);
            Map<String, String> o = new HashMap<>(cluster);
            o.put("state_dir", second.toString());
            try (TestGateway b = TestGateway.start(o, SIM)) {
                long need = BODY.length() / 4 + 20; // each stream reserves body bytes / 4 + num_predict
                String key = a.key("team", new KeyLimits(null, need * 5 + need / 2, null, null, 0, null));
                Eventually.await("the key made on A is served by B", Duration.ofSeconds(5), () -> status(b, key) == 200);

                List<Integer> statuses = fortyStreams(a, b, key);
                assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(5);
                assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(35);
                assertThat(a.seen().generations().size() + b.seen().generations().size()).as("streams Ollama served").isEqualTo(5);
                long tokens = a.seen().generations().stream().mapToLong(g -> g.promptTokens() + g.tokensSent()).sum()
                        + b.seen().generations().stream().mapToLong(g -> g.promptTokens() + g.tokensSent()).sum();
                assertThat(tokens).as("tokens served, counted at the simulators").isLessThanOrEqualTo(need * 5 + need / 2);

                // Revoked through A's admin socket, as `corral keys revoke` does; B refuses it within a second.
                AdminClient admin = new AdminClient(a.corral.adminSocket(), Duration.ofSeconds(10));
                AdminClient.Response revoked = admin.call("POST", "/admin/v1/keys/" + ApiKey.idOf(key) + "/revoke",
                        JsonNodeFactory.instance.objectNode());
                assertThat(revoked.status()).isEqualTo(200);
                assertThat(a.get("/api/tags", key).statusCode()).isEqualTo(401);
                Eventually.await("B refuses the key revoked on A", Duration.ofSeconds(1), () -> status(b, key) == 401);

                // One usage row per request of a known key, from both instances, in the one store.
                a.usage();
                b.usage(); // both writers caught up
                long keyed = java.util.stream.Stream.concat(a.accessLog().stream(), b.accessLog().stream())
                        .filter(l -> l.contains("\"key_id\":\"" + ApiKey.idOf(key) + "\"")).count();
                try (Connection c = pg.connect(db); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT request_id),"
                             + " COUNT(*) FILTER (WHERE status = 200 AND route = 'generate'),"
                             + " COUNT(*) FILTER (WHERE status = 429 AND route = 'generate') FROM usage")) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("usage rows = requests of the key in both access logs").isEqualTo(keyed);
                    assertThat(rs.getLong(2)).as("distinct request ids").isEqualTo(keyed);
                    assertThat(rs.getInt(3)).as("served streams").isEqualTo(5);
                    assertThat(rs.getInt(4)).as("refused streams").isEqualTo(35);
                }
            }
        }
    }

    static int status(TestGateway gw, String key) {
        try {
            return gw.get("/api/tags", key).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static List<Integer> fortyStreams(TestGateway a, TestGateway b, String key) {
        List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            TestGateway gw = i % 2 == 0 ? a : b;
            fs.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(gw.url() + "/api/generate")).timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(BODY)).header("Authorization", "Bearer " + key).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        return fs.stream().map(f -> f.join().statusCode()).toList();
    }
}
