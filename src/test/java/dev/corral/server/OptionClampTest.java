package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.sim.SimRecorder;
import dev.corral.sim.Simulator;
import dev.corral.store.KeyLimits;
import dev.corral.store.UsageRecord;
import dev.corral.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Option policy end to end: what reaches the simulator (its record of options, and the reloads
 * Ollama's scheduler would have done), the X-Corral-Clamped header, refusals in each dialect.
 */
class OptionClampTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestGateway gw;
    static String key;
    static String trusted;
    static Path config;

    @BeforeAll
    static void start() throws Exception {
        config = Files.createTempFile("corral-options-", ".yaml");
        Files.writeString(config, """
                policy:
                  options:
                    num_predict_max: 5
                    num_predict_default: 4
                  key_options:
                    trusted:
                      allow_runner_options: true
                      num_ctx_max: 16384
                      allow_template: true
                      allow_unload: true
                """);
        gw = TestGateway.start(config, Map.of(), SimConfig.defaults(new HostPort("127.0.0.1", 0)), Clock.systemUTC());
        key = gw.inferenceKey();
        trusted = gw.key("trusted", KeyLimits.DEFAULTS);
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        Files.deleteIfExists(config);
    }

    @BeforeEach
    void clear() {
        gw.seen().clear();
    }

    @Test
    void aFloodOfAlternatingNumCtxCausesNoReloadAtOllama() throws Exception {
        String[] routes = {"/api/generate", "/api/chat", "/api/embed"};
        for (int i = 0; i < 60; i++) {
            String route = routes[i % 3];
            String model = route.equals("/api/embed") ? "nomic-embed-text" : "llama3.2:3b";
            String text = route.equals("/api/chat") ? "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
                    : route.equals("/api/embed") ? "\"input\":\"hi\"" : "\"prompt\":\"hi\"";
            String body = "{\"model\":\"" + model + "\"," + text + ",\"stream\":false,\"options\":{\"num_ctx\":"
                    + (2048 << (i % 4)) + ",\"num_batch\":" + (64 + i) + ",\"num_gpu\":" + (i % 2) + ",\"use_mmap\":"
                    + (i % 2 == 0) + "},\"Shift\":" + (i % 2 == 0) + "}";
            HttpResponse<String> r = gw.post(route, key, body);
            assertThat(r.statusCode()).as(body + " " + r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Corral-Clamped")).as(body).get().asString()
                    .contains("num_ctx=removed", "num_batch=removed", "num_gpu=removed", "use_mmap=removed");
        }
        assertThat(gw.seen().reloads()).isZero();
        assertThat(gw.seen().loads()).isLessThanOrEqualTo(2); // at most one load per model, never again
        for (SimRecorder.Options o : gw.seen().options()) {
            assertThat(o.options() == null ? List.of() : iterable(o.options())).doesNotContain(
                    "num_ctx", "num_batch", "num_gpu", "use_mmap");
        }
    }

    @Test
    void theSameFloodStraightAtTheSimulatorReloadsItsModel() throws Exception {
        // The counter the flood test relies on does count: without Corral, every change reloads.
        HttpClient http = HttpClient.newHttpClient();
        try (Simulator sim = Simulator.start(SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            for (int i = 0; i < 6; i++) {
                String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"hi\",\"stream\":false,\"options\":{\"num_ctx\":"
                        + (2048 << (i % 2)) + "}}";
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sim.port() + "/api/generate"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            }
            assertThat(sim.recorder().loads()).isEqualTo(1);
            assertThat(sim.recorder().reloads()).isEqualTo(5);
        }
    }

    @Test
    void aKeyAllowedRunnerOptionsKeepsThemWithinItsMaximum() throws Exception {
        HttpResponse<String> within = gw.post("/api/generate", trusted,
                "{\"model\":\"llama3.2:3b\",\"prompt\":\"hi\",\"stream\":false,\"options\":{\"num_ctx\":8192}}");
        assertThat(within.headers().firstValue("X-Corral-Clamped")).contains("num_predict=4"); // the default, not num_ctx
        HttpResponse<String> above = gw.post("/api/generate", trusted,
                "{\"model\":\"llama3.2:3b\",\"prompt\":\"hi\",\"stream\":false,\"options\":{\"num_ctx\":65536}}");
        assertThat(above.headers().firstValue("X-Corral-Clamped")).contains("num_ctx=16384, num_predict=4");
        assertThat(gw.seen().options()).extracting(o -> o.options().path("num_ctx").asLong()).containsExactly(8192L, 16384L);
        assertThat(gw.seen().reloads()).isEqualTo(1); // that key may reload: it was let
    }

    @Test
    void theCompletionBoundIsClampedOnEveryRouteThatCarriesIt() throws Exception {
        String[][] cases = {
                {"/api/generate", "{\"model\":\"llama3.2:3b\",\"prompt\":\"hi\",\"stream\":false,\"options\":{\"num_predict\":900}}"},
                {"/api/chat", "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":false,"
                        + "\"options\":{\"num_predict\":1},\"OPTIONS\":{\"num_predict\":900}}"},
                {"/v1/chat/completions", "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                        + "\"max_tokens\":1,\"Max_Tokens\":900}"},
                {"/v1/completions", "{\"model\":\"llama3.2:3b\",\"prompt\":\"hi\",\"max_tokens\":900}"},
                {"/v1/responses", "{\"model\":\"llama3.2:3b\",\"input\":\"hi\",\"max_output_tokens\":900}"},
                {"/v1/messages", "{\"model\":\"llama3.2:3b\",\"max_tokens\":900,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"},
        };
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (String[] c : cases) {
            HttpResponse<String> r = gw.post(c[0], key, c[1]);
            ids.add(r.headers().firstValue("X-Request-Id").orElseThrow());
            assertThat(r.statusCode()).as(c[0] + " " + r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Corral-Clamped").orElse("")).as(c[0]).endsWith("=5");
        }
        assertThat(gw.seen().generations()).hasSize(cases.length)
                .allSatisfy(g -> assertThat(g.completionTokens()).as(g.path()).isEqualTo(5));
        assertThat(gw.usage()).filteredOn(u -> ids.contains(u.requestId())).hasSize(cases.length)
                .extracting(UsageRecord::completionTokens).containsOnly(5L);
    }

    @Test
    void anUnboundedRequestGetsTheKeysDefaultAlsoWhenStreamingWithHiddenUsage() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", key,
                "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Corral-Clamped")).contains("max_tokens=4");
        assertThat(r.body()).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
        assertThat(gw.seen().generations()).singleElement().satisfies(g -> assertThat(g.completionTokens()).isEqualTo(4));
        String id = r.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(gw.usage()).filteredOn(u -> u.requestId().equals(id)).singleElement()
                .satisfies(u -> assertThat(u.completionTokens()).isEqualTo(4));
    }

    @Test
    void keepAliveIsHeldSoNoKeyUnloadsOrPinsAModel() throws Exception {
        HttpResponse<String> unload = gw.post("/api/generate", key, "{\"model\":\"llama3.2:3b\",\"keep_alive\":0}");
        assertThat(JSON.readTree(unload.body()).path("done_reason").asText()).isEqualTo("load");
        assertThat(unload.headers().firstValue("X-Corral-Clamped")).contains("keep_alive=60s, num_predict=4");
        HttpResponse<String> forever = gw.post("/api/chat", key, "{\"model\":\"llama3.2:3b\",\"stream\":false,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"keep_alive\":\"-1h\"}");
        assertThat(forever.headers().firstValue("X-Corral-Clamped")).contains("keep_alive=1800s, num_predict=4");
        assertThat(gw.seen().options()).extracting(o -> o.keepAlive().asLong()).containsExactly(60L, 1800L);
        HttpResponse<String> allowed = gw.post("/api/generate", trusted, "{\"model\":\"llama3.2:3b\",\"keep_alive\":0}");
        assertThat(JSON.readTree(allowed.body()).path("done_reason").asText()).isEqualTo("unload");
    }

    @Test
    void promptSetUpFieldsAreRefusedInTheRoutesDialectBeforeOllama() throws Exception {
        HttpResponse<String> native_ = gw.post("/api/generate", key,
                "{\"model\":\"llama3.2:3b\",\"prompt\":\"hi\",\"TEMPLATE\":\"{{ .System }}\"}");
        assertThat(native_.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(native_.body()).path("error").asText()).contains("\"template\"", "policy.options.allow_template");
        HttpResponse<String> openai = gw.post("/v1/chat/completions", key,
                "{\"model\":\"llama3.2:3b\",\"messages\":[],\"_debug_render_only\":true}");
        assertThat(openai.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(openai.body()).path("error").path("type").asText()).isEqualTo("invalid_request_error");
        HttpResponse<String> raw = gw.post("/api/generate", key, "{\"model\":\"llama3.2:3b\",\"prompt\":\"hi\",\"raw\":true}");
        assertThat(raw.statusCode()).isEqualTo(403);
        assertThat(gw.seen().requests()).isEmpty();
        HttpResponse<String> allowed = gw.post("/api/generate", trusted,
                "{\"model\":\"llama3.2:3b\",\"prompt\":\"hi\",\"stream\":false,\"template\":\"{{ .Prompt }}\"}");
        assertThat(allowed.statusCode()).isEqualTo(200);
    }

    @Test
    void aKeepAliveOllamaWouldRefuseIsRefusedHere() throws Exception {
        HttpResponse<String> r = gw.post("/v1/messages", key, "{\"model\":\"llama3.2:3b\",\"max_tokens\":5,\"messages\":[]}");
        assertThat(r.statusCode()).isEqualTo(200); // Anthropic's route has no keep_alive: nothing to read
        HttpResponse<String> bad = gw.post("/api/embed", key, "{\"model\":\"nomic-embed-text\",\"input\":\"x\",\"keep_alive\":\"5 min\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("error").asText()).isEqualTo("time: invalid duration \"5 min\"");
    }

    private static List<String> iterable(JsonNode o) {
        List<String> names = new java.util.ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
