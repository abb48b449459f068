package dev.corral.shared;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.store.KeyLimits;
import dev.corral.testing.Eventually;
import dev.corral.testing.RedisServer;
import dev.corral.testing.TestGateway;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gateway with limits.shared on a real Redis, stopped and started: /healthz says degraded and
 * why, the audit log has both transitions, requests go on at the local share, or (refuse) get 503
 * in the dialect of the route they called; all comes back when Redis does.
 */
class SharedLimitsGatewayTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CHAT = "{\"model\":\"llama3.2:3b\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    static Map<String, String> shared(RedisServer redis, String onFailure) {
        return Map.of("limits.shared", redis.url(), "limits.shared_lease", "3s", "limits.shared_timeout", "1s",
                "limits.on_shared_failure", onFailure);
    }

    @Test
    void redisStoppedTheGatewayServesAtItsShareSaysDegradedAndAuditsBothWays() throws Exception {
        try (RedisServer redis = RedisServer.startNew();
             TestGateway gw = TestGateway.start(shared(redis, "local"), SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            String key = gw.key("k", new KeyLimits(null, null, null, null, 2, null));
            assertThat(gw.post("/api/chat", key, CHAT).statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(gw.get("/healthz", null).body()).get("status").asText()).isEqualTo("ok");

            redis.stop();
            assertThat(gw.post("/api/chat", key, CHAT).statusCode()).as("served at this instance's share").isEqualTo(200);
            JsonNode health = JSON.readTree(gw.get("/healthz", null).body());
            assertThat(health.get("status").asText()).isEqualTo("degraded");
            assertThat(health.get("limits").asText()).contains("shared limits unreachable");
            assertThat(Files.readString(gw.corral.audit().file())).contains("\"limits.degraded\"");

            redis.start();
            Eventually.await("healthz ok again", Duration.ofSeconds(20), () -> health(gw).equals("ok"));
            assertThat(Files.readString(gw.corral.audit().file())).contains("\"limits.recovered\"");
            assertThat(gw.post("/api/chat", key, CHAT).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withRefuseRedisStoppedIsA503InTheDialectOfTheRoute() throws Exception {
        try (RedisServer redis = RedisServer.startNew();
             TestGateway gw = TestGateway.start(shared(redis, "refuse"), SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            String key = gw.inferenceKey();
            redis.stop();
            int before = gw.seen().requests().size();
            var ollama = gw.post("/api/chat", key, CHAT);
            assertThat(ollama.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(ollama.body()).get("error").asText()).contains("limits cannot be checked now");
            var openai = gw.post("/v1/chat/completions", key, "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(openai.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(openai.body()).get("error").get("message").asText()).contains("limits cannot be checked now");
            assertThat(openai.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(gw.seen().requests().size()).as("nothing reached Ollama").isEqualTo(before);
            assertThat(JSON.readTree(gw.get("/healthz", null).body()).get("limits").asText()).contains("refusing");
            redis.start();
            Eventually.await("healthz ok again", Duration.ofSeconds(20), () -> health(gw).equals("ok"));
            assertThat(gw.post("/api/chat", key, CHAT).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aClientThatLeavesWhileAdmissionWaitsForRedisHasEverythingGivenBack() throws Exception {
        try (RedisServer redis = RedisServer.startNew();
             TestGateway gw = TestGateway.start(Map.of("limits.shared", redis.url(), "limits.shared_lease", "10s",
                     "limits.shared_timeout", "4s"), SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            String key = gw.key("k", new KeyLimits(null, 100_000L, null, null, 2, null));
            String id = dev.corral.access.ApiKey.idOf(key);
            assertThat(gw.post("/api/chat", key, CHAT).statusCode()).isEqualTo(200);
            int forwarded = gw.seen().requests().size();
            assertThat(redis.command("CLIENT PAUSE 1500 ALL")).isEqualTo("+OK"); // admission now waits for Redis
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.port())) {
                s.getOutputStream().write(("POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + CHAT.length() + "\r\n\r\n" + CHAT)
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                s.getOutputStream().flush();
                // Its model is known once Inspect ran; the steps up to Admit then run in the same turn of the loop,
                // and Admit waits for the paused Redis: the client leaves while admission waits.
                Eventually.await("the request in admission", Duration.ofSeconds(10), () ->
                        gw.corral.live().snapshot().stream().anyMatch(e -> e.model() != null));
            }
            Eventually.await("the slot taken after the client left is given back, here and in Redis", Duration.ofSeconds(15),
                    () -> gw.corral.admission().inFlight(id) == 0 && "(nil)".equals(redis.command("HGET corral:slots:" + id + " held")));
            assertThat(gw.seen().requests().size()).as("nothing was forwarded for the client that left").isEqualTo(forwarded);
            assertThat(gw.post("/api/chat", key, CHAT).statusCode()).isEqualTo(200);
        }
    }

    static String health(TestGateway gw) {
        try {
            return JSON.readTree(gw.get("/healthz", null).body()).get("status").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
