package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.sim.SimRecorder;
import dev.corral.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Inference on a model whose name names a registry outside policy.registries is refused, as pulls from it are. */
class RegistryPolicyTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestGateway gw;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start(Map.of("policy.registries", "registry.ollama.ai,models.lan:5000"),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)).withModels(java.util.List.of("llama3.2:3b",
                        "models.lan:5000/team/coder:1b", "evil.example.com/x/coder:1b", "evil.example.com:5000/x/coder:1b")));
        key = gw.inferenceKey();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @BeforeEach
    void clear() {
        gw.seen().clear();
    }

    @Test
    void aModelFromAnUnlistedRegistryIsRefusedBeforeOllama() throws Exception {
        HttpResponse<String> r = chat("/api/chat", "evil.example.com/x/coder:1b");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(r.body()).path("error").asText()).contains("'evil.example.com'", "policy.registries");
        HttpResponse<String> openai = chat("/v1/chat/completions", "EVIL.example.com/x/coder:1b");
        assertThat(openai.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(openai.body()).path("error").path("code").asText()).isEqualTo("permission_denied");
        assertThat(chat("/api/chat", "https://evil.example.com/x/coder:1b").statusCode()).isIn(400, 403);
        assertThat(chat("/api/chat", "evil.example.com:5000/x/coder:1b").statusCode()).isEqualTo(403);
        assertThat(gw.seen().requests()).extracting(SimRecorder.Request::uri).doesNotContain("/api/chat", "/v1/chat/completions");
    }

    @Test
    void listedRegistriesAndOllamasOwnRun() throws Exception {
        assertThat(chat("/api/chat", "models.lan:5000/team/coder:1b").statusCode()).isEqualTo(200);
        assertThat(chat("/api/chat", "registry.ollama.ai/library/llama3.2:3b").statusCode()).isEqualTo(200);
        assertThat(chat("/api/chat", "llama3.2:3b").statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> chat(String path, String model) throws Exception {
        return gw.post(path, key, "{\"model\":\"" + model + "\",\"stream\":false,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }
}
