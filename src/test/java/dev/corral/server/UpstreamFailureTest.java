package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.Corral;
import dev.corral.config.ConfigLoader;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.RawClient;
import dev.corral.testing.TestGateway;
import dev.corral.store.UsageRecord;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When Ollama is down, slow or breaks mid-answer, clients get a clear error in their dialect, and usage says so. */
class UpstreamFailureTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void corralStartsWithoutOllamaAndAnswers502InTheClientsDialect() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Path state = Files.createTempDirectory("corral-down-");
        var settings = new ConfigLoader(Map.of()).load(null, Map.of("listen.address", "127.0.0.1:0", "admin.listen", "127.0.0.1:0",
                "upstream.url", "http://127.0.0.1:" + deadPort, "state_dir", state.toString()));
        try (Corral corral = Corral.start(settings)) {
            int port = corral.address().getPort();
            var issuer = new dev.corral.access.KeyIssuer(corral.store(), new dev.corral.access.KeyHasher(
                    dev.corral.store.StateDir.open(state).serverSecret()), java.time.Clock.systemUTC());
            String key = issuer.create("k", java.util.EnumSet.of(dev.corral.store.Scope.INFERENCE), java.util.List.of(), null).key();
            corral.reloadKeys();
            try (RawClient c = new RawClient("127.0.0.1", port)) {
                RawClient.Response health = c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertThat(health.status()).isEqualTo(503);
                assertThat(health.body()).contains("unreachable");
                String body = "{\"model\":\"llama3.2:3b\",\"messages\":[]}";
                RawClient.Response r = c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).read();
                assertThat(r.status()).isEqualTo(502);
                JsonNode e = JSON.readTree(r.body()).path("error");
                assertThat(e.path("message").asText()).contains("cannot reach Ollama");
                assertThat(e.path("type").asText()).isEqualTo("api_error");
                // the connection stays usable
                RawClient.Response again = c.send("POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).read();
                assertThat(again.status()).isEqualTo(502);
                assertThat(JSON.readTree(again.body()).path("error").asText()).contains("cannot reach Ollama");
            }
            corral.usage().awaitFlushed(5000);
            assertThat(corral.store().usageSince(java.time.Instant.EPOCH, null)).extracting(UsageRecord::outcome)
                    .containsOnly("upstream_error");
        }
    }

    @Test
    void aSlowUpstreamTimesOutWith504AndAMidStreamDeathCutsTheClient() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("upstream.first_byte_timeout", "300ms"),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            String key = gw.inferenceKey();
            HttpResponse<String> r = gw.post("/api/generate", key, "{\"model\":\"llama3.2:3b\",\"prompt\":\"x\"}",
                    "X-Sim-First-Byte-Delay-Ms", "5000");
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(r.body()).contains("did not answer within");
            UsageRecord u = GatewayTest.usageOf(gw, r.headers().firstValue("x-request-id").orElseThrow());
            assertThat(u.outcome()).isEqualTo("upstream_timeout");
            dev.corral.testing.Eventually.await("the simulator to see the abandoned request cancelled",
                    java.time.Duration.ofSeconds(10), () -> gw.seen().cancellations().size() == 1);
        }
    }

    @Test
    void aMidStreamErrorLinePassesThroughAndTheStreamEndsCleanly() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            String key = gw.inferenceKey();
            HttpResponse<String> r = gw.post("/api/generate", key, "{\"model\":\"llama3.2:3b\",\"prompt\":\"x\"}",
                    "X-Sim-Fail-After", "3");
            assertThat(r.statusCode()).isEqualTo(200);
            String[] lines = r.body().split("\n");
            assertThat(lines).hasSize(4);
            assertThat(lines[3]).startsWith("{\"error\":");
        }
    }
}
