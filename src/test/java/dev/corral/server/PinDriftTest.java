package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.HostPort;
import dev.corral.metrics.Scrape;
import dev.corral.sim.SimConfig;
import dev.corral.testing.Eventually;
import dev.corral.testing.TestGateway;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Digest pinning end to end: a pinned model whose digest changes at the simulator (a re-pull of a
 * changed tag) is refused within one check interval, in each dialect, audited and counted; pinned
 * again to what it was, it runs again.
 */
class PinDriftTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CHANGED = "b".repeat(64);
    static TestGateway gw;
    static String key;
    static Path config;
    static String pinned;

    @BeforeAll
    static void start() throws Exception {
        config = Files.createTempFile("corral-pins-", ".yaml");
        // The simulator's digests are the sha256 of the canonical name; pin llama3.2:3b to its own.
        pinned = sha256("llama3.2:3b");
        Files.writeString(config, "policy:\n  pin_check_interval: 1s\n  pins:\n    \"llama3.2:3b\": " + pinned + "\n");
        gw = TestGateway.start(config, Map.of(), SimConfig.defaults(new HostPort("127.0.0.1", 0)), Clock.systemUTC());
        key = gw.inferenceKey();
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        Files.deleteIfExists(config);
    }

    @Test
    void aDriftedModelIsRefusedWithinOneCheckUntilItMatchesAgain() throws Exception {
        assertThat(gw.sim.digest("llama3.2:3b")).isEqualTo(pinned);
        assertThat(chat("llama3.2:3b").statusCode()).isEqualTo(200);
        assertThat(chat("qwen2.5:7b").statusCode()).isEqualTo(200);

        gw.sim.setDigest("llama3.2:3b", CHANGED);
        Eventually.await("the drift seen", Duration.ofSeconds(5), () -> status("llama3.2:3b") == 409);
        HttpResponse<String> refused = chat("registry.ollama.ai/library/llama3.2:3b");
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(refused.body()).path("error").asText()).contains(pinned, CHANGED);
        HttpResponse<String> openai = gw.post("/v1/chat/completions", key,
                "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(openai.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(openai.body()).path("error").path("code").asText()).isEqualTo("conflict");
        HttpResponse<String> anthropic = gw.post("/v1/messages", key,
                "{\"model\":\"llama3.2:3b\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(JSON.readTree(anthropic.body()).path("type").asText()).isEqualTo("error");
        assertThat(chat("qwen2.5:7b").statusCode()).isEqualTo(200); // unpinned models are not touched
        Eventually.await("the drift audited", Duration.ofSeconds(5), () -> audit().contains("\"model.drift\""));
        assertThat(audit()).contains(CHANGED);
        assertThat(Scrape.of(gw.corral.adminSocket()).text()).contains("corral_model_pin_drifted 1.0");

        gw.sim.setDigest("llama3.2:3b", pinned);
        Eventually.await("the match seen", Duration.ofSeconds(5), () -> status("llama3.2:3b") == 200);
        Eventually.await("the match audited", Duration.ofSeconds(5), () -> audit().contains("\"model.pin_match\""));
        assertThat(Scrape.of(gw.corral.adminSocket()).text()).contains("corral_model_pin_drifted 0.0");
    }

    private static HttpResponse<String> chat(String model) throws Exception {
        return gw.post("/api/chat", key, "{\"model\":\"" + model + "\",\"stream\":false,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    private static int status(String model) {
        try {
            return chat(model).statusCode();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String audit() {
        try {
            return Files.readString(gw.stateDir.resolve("audit.log"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String sha256(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
