package dev.corral.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.HostPort;
import dev.corral.testing.RawClient;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The simulator follows shared/ollama-upstream.md where a gateway can tell. */
class SimulatorTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static Simulator sim;

    @BeforeAll
    static void start() throws Exception {
        sim = Simulator.start(SimConfig.defaults(new HostPort("127.0.0.1", 0)).withTokens(5));
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static RawClient.Response call(String method, String path, String host, String body, String... headers) throws Exception {
        StringBuilder sb = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        if (body != null) {
            sb.append("Content-Length: ").append(body.length()).append("\r\n");
        }
        sb.append("\r\n").append(body == null ? "" : body);
        try (RawClient c = new RawClient("127.0.0.1", sim.port())) {
            return c.send(sb.toString()).read();
        }
    }

    static RawClient.Response post(String path, String body, String... headers) throws Exception {
        return call("POST", path, "localhost:11434", body, headers);
    }

    @Test
    void hostCheckLikeOllamasOnLoopback() throws Exception {
        for (String ok : List.of("localhost:11434", "127.0.0.1:11434", "10.1.2.3", "[::1]:11434", "gpu.internal", "box.local",
                "a.localhost")) {
            assertThat(call("GET", "/api/version", ok, null).status()).as(ok).isEqualTo(200);
        }
        for (String bad : List.of("evil.example.com", "8.8.8.8:11434", "ollama.example.org")) {
            RawClient.Response r = call("GET", "/api/version", bad, null);
            assertThat(r.status()).as(bad).isEqualTo(403);
            assertThat(r.body()).isEmpty();
        }
    }

    @Test
    void unknownRoutesAndWrongMethodsAnswerLikeGin() throws Exception {
        RawClient.Response nf = call("GET", "/api/nope", "localhost", null);
        assertThat(nf.status()).isEqualTo(404);
        assertThat(nf.body()).isEqualTo("404 page not found");
        assertThat(call("GET", "/api/chat", "localhost", null).status()).isEqualTo(405);
        assertThat(call("GET", "/", "localhost", null).body()).isEqualTo("Ollama is running");
    }

    @Test
    void errorsHaveOllamasShapes() throws Exception {
        RawClient.Response missing = post("/api/generate", "{\"model\":\"nope:1b\",\"prompt\":\"x\"}");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"error\":\"model 'nope:1b' not found\"}");
        assertThat(post("/api/generate", "{\"prompt\":\"x\"}").body()).isEqualTo("{\"error\":\"model is required\"}");
        assertThat(post("/api/chat", "{bad").status()).isEqualTo(400);
        JsonNode oai = JSON.readTree(post("/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[]}").body());
        assertThat(oai.path("error").path("message").asText()).contains("not found");
        assertThat(oai.path("error").path("type").asText()).isEqualTo("not_found_error"); // openai.NewError's mapping
        JsonNode ant = JSON.readTree(post("/v1/messages", "{\"model\":\"nope\",\"messages\":[]}").body());
        assertThat(ant.path("type").asText()).isEqualTo("error");
        assertThat(ant.path("error").path("type").asText()).isEqualTo("not_found_error");
    }

    @Test
    void emptyPromptLoadsAndKeepAliveZeroUnloads() throws Exception {
        assertThat(JSON.readTree(post("/api/generate", "{\"model\":\"llama3.2:3b\"}").body()).path("done_reason").asText())
                .isEqualTo("load");
        assertThat(JSON.readTree(post("/api/generate", "{\"model\":\"llama3.2:3b\",\"keep_alive\":0}").body())
                .path("done_reason").asText()).isEqualTo("unload");
    }

    @Test
    void numPredictCutsTheAnswerWithDoneReasonLength() throws Exception {
        String[] lines = post("/api/generate", "{\"model\":\"llama3.2:3b\",\"prompt\":\"x y\",\"options\":{\"num_predict\":2}}")
                .body().split("\n");
        JsonNode last = JSON.readTree(lines[lines.length - 1]);
        assertThat(lines).hasSize(3);
        assertThat(last.path("done_reason").asText()).isEqualTo("length");
        assertThat(last.path("eval_count").asInt()).isEqualTo(2);
        assertThat(last.path("prompt_eval_count").asInt()).isEqualTo(2);
    }

    @Test
    void openAiStreamsCarryUsageOnlyWhenAskedFor() throws Exception {
        String plain = post("/v1/chat/completions", "{\"model\":\"llama3.2:3b\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}").body();
        assertThat(plain).doesNotContain("usage").endsWith("data: [DONE]\n\n");
        String asked = post("/v1/chat/completions", "{\"model\":\"llama3.2:3b\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}").body();
        String[] events = asked.split("\n\n");
        assertThat(events[events.length - 1]).isEqualTo("data: [DONE]");
        JsonNode usage = JSON.readTree(events[events.length - 2].substring(6));
        assertThat(usage.path("choices")).isEmpty();
        assertThat(usage.path("usage").path("completion_tokens").asInt()).isEqualTo(5);
        assertThat(usage.path("usage").path("prompt_tokens").asInt()).isEqualTo(4);
        String completions = post("/v1/completions", "{\"model\":\"llama3.2:3b\",\"prompt\":\"a\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}").body();
        String[] ce = completions.split("\n\n");
        assertThat(JSON.readTree(ce[0].substring(6)).path("usage").path("total_tokens").asInt()).isZero();
        assertThat(JSON.readTree(ce[ce.length - 2].substring(6)).path("usage").path("completion_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void midStreamErrorsKeepStatus200AndEndTheStream() throws Exception {
        RawClient.Response r = post("/api/chat", "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}",
                "X-Sim-Fail-After: 2");
        assertThat(r.status()).isEqualTo(200);
        String[] lines = r.body().split("\n");
        assertThat(lines).hasSize(3);
        assertThat(JSON.readTree(lines[2]).path("error").asText()).contains("simulated failure");
    }

    @Test
    void pullShowsProgressAndChangesTheStore() throws Exception {
        RawClient.Response pull = post("/api/pull", "{\"model\":\"phi3:mini\"}");
        String[] lines = pull.body().split("\n");
        assertThat(pull.header("content-type")).isEqualTo("application/x-ndjson");
        assertThat(JSON.readTree(lines[0]).path("status").asText()).isEqualTo("pulling manifest");
        assertThat(JSON.readTree(lines[lines.length - 1]).path("status").asText()).isEqualTo("success");
        JsonNode tags = JSON.readTree(call("GET", "/api/tags", "localhost", null).body());
        assertThat(tags.path("models").findValuesAsText("name")).contains("phi3:mini");
        String digest = null;
        for (JsonNode m : tags.path("models")) {
            if (m.path("name").asText().equals("phi3:mini")) {
                digest = m.path("digest").asText();
            }
        }
        assertThat(digest).matches("[0-9a-f]{64}");
        assertThat(call("HEAD", "/api/blobs/sha256:" + digest, "localhost", null).status()).isEqualTo(200);
        assertThat(call("HEAD", "/api/blobs/sha256:" + "0".repeat(64), "localhost", null).status()).isEqualTo(404);
        assertThat(call("HEAD", "/api/blobs/nope", "localhost", null).status()).isEqualTo(400);
        assertThat(call("DELETE", "/api/delete", "localhost", "{\"model\":\"phi3:mini\"}").status()).isEqualTo(200);
        assertThat(call("DELETE", "/api/delete", "localhost", "{\"model\":\"phi3:mini\"}").status()).isEqualTo(404);
    }

    @Test
    void accountRoutesAnswer401() throws Exception {
        assertThat(post("/api/me", "{}").status()).isEqualTo(401);
        assertThat(post("/api/experimental/web_search", "{\"query\":\"x\"}").status()).isEqualTo(401);
    }

    @Test
    void statsShowWhatItSaw() throws Exception {
        post("/api/generate", "{\"model\":\"llama3.2:3b\",\"prompt\":\"stats please\"}", "X-Request-Id: stat-1");
        JsonNode stats = JSON.readTree(call("GET", "/__sim/stats", "localhost", null).body());
        assertThat(stats.path("requests").asInt()).isPositive();
        assertThat(stats.path("generations").findValuesAsText("request_id")).contains("stat-1");
    }

    @Test
    void openAiEmbeddingsHonourEncodingFormatBase64AsFloat32LittleEndian() throws Exception {
        String input = "{\"model\":\"nomic-embed-text\",\"input\":[\"alpha beta\",\"gamma\"]";
        RawClient.Response plain = post("/v1/embeddings", input + "}");
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.header("content-type")).isEqualTo("application/json");
        JsonNode floats = JSON.readTree(plain.body());
        assertThat(JSON.readTree(post("/v1/embeddings", input + ",\"encoding_format\":\"float\"}").body())).isEqualTo(floats);
        assertThat(JSON.readTree(post("/v1/embeddings", input + ",\"encoding_format\":\"Float\"}").body())).isEqualTo(floats);
        for (String format : List.of("base64", "BASE64")) {
            JsonNode b64 = JSON.readTree(post("/v1/embeddings", input + ",\"encoding_format\":\"" + format + "\"}").body());
            assertThat(b64.path("usage")).isEqualTo(floats.path("usage"));
            assertThat(b64.path("data")).hasSize(2);
            for (int i = 0; i < 2; i++) {
                JsonNode want = floats.path("data").get(i).path("embedding");
                JsonNode got = b64.path("data").get(i);
                assertThat(got.path("index").asInt()).isEqualTo(i);
                assertThat(got.path("embedding").isTextual()).as(format).isTrue();
                ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(got.path("embedding").asText()))
                        .order(ByteOrder.LITTLE_ENDIAN);
                assertThat(want.size()).isGreaterThan(2);
                assertThat(bytes.remaining()).isEqualTo(4 * want.size());
                for (JsonNode v : want) {
                    assertThat(bytes.getFloat()).isEqualTo((float) v.asDouble());
                }
            }
        }
    }

    @Test
    void openAiEmbeddingsRefuseAnUnknownEncodingFormatBeforeLookingUpTheModel() throws Exception {
        for (String model : List.of("nomic-embed-text", "nope:1b")) {
            RawClient.Response r = post("/v1/embeddings",
                    "{\"model\":\"" + model + "\",\"input\":\"x\",\"encoding_format\":\"hex\"}");
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"Invalid value for 'encoding_format' = hex. "
                    + "Supported values: ['float', 'base64'].\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
        }
    }

    @Test
    void embeddingsAreDeterministicUnitVectorsOfFloat32() throws Exception {
        String raw = post("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":\"alpha beta\"}").body();
        JsonNode v = JSON.readTree(raw).path("embeddings").get(0);
        JsonNode again = JSON.readTree(post("/v1/embeddings", "{\"model\":\"nomic-embed-text\",\"input\":\"alpha beta\"}").body());
        JsonNode other = JSON.readTree(post("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":\"gamma\"}").body());
        assertThat(again.path("data").get(0).path("embedding")).isEqualTo(v);
        assertThat(other.path("embeddings").get(0)).isNotEqualTo(v);
        double sum = 0;
        for (JsonNode x : v) {
            sum += x.asDouble() * x.asDouble();
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5)); // Ollama normalizes /api/embed vectors
        // Ollama's vectors are []float32, which Go's encoder writes with the fewest digits that read back as that float32.
        String numbers = raw.substring(raw.indexOf("[[") + 2, raw.indexOf("]]"));
        for (String n : numbers.split(",")) {
            assertThat(new java.math.BigDecimal(n).precision()).as(n).isLessThanOrEqualTo(9);
        }
    }
}
