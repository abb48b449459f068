package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.store.Scope;
import dev.corral.sim.SimRecorder;
import dev.corral.testing.Eventually;
import dev.corral.testing.RawClient;
import dev.corral.testing.TestGateway;
import dev.corral.store.UsageRecord;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway end to end: the guide's smoke sequence, streaming on every route, what crosses the wire, usage. */
class GatewayTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestGateway gw;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start();
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
    void smokeSequenceFromTheHardeningGuide() throws Exception {
        assertThat(gw.get("/api/tags", null).statusCode()).isEqualTo(401);
        for (String admin : List.of("/api/pull", "/api/create", "/api/push", "/api/copy")) {
            HttpResponse<String> r = gw.post(admin, key, "{\"model\":\"llama3\"}");
            assertThat(r.statusCode()).as(admin).isEqualTo(404);
            assertThat(r.body()).isEqualTo("{\"error\":\"404 page not found\"}");
        }
        HttpResponse<String> tags = gw.get("/api/tags", key);
        assertThat(tags.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(tags.body()).path("models")).hasSize(3);
        assertThat(gw.seen().requests()).extracting(SimRecorder.Request::uri).containsExactly("/api/tags");
    }

    @Test
    void deleteIsAnAdminRouteAndNeverForwarded() throws Exception {
        try (RawClient c = gw.raw()) {
            RawClient.Response r = c.send("DELETE /api/delete HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Length: 17\r\n\r\n{\"model\":\"llama\"}").read();
            assertThat(r.status()).isEqualTo(404);
        }
        assertThat(gw.seen().requests()).isEmpty();
    }

    @Test
    void nativeChatStreamsNdjsonAndRecordsTheFinalCounts() throws Exception {
        HttpResponse<String> r = gw.post("/api/chat", key,
                "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/x-ndjson");
        String[] lines = r.body().split("\n");
        assertThat(lines).hasSize(13);
        JsonNode last = JSON.readTree(lines[12]);
        assertThat(last.path("done").asBoolean()).isTrue();
        SimRecorder.Generation g = gw.seen().generations().get(0);
        assertThat(last.path("prompt_eval_count").asInt()).isEqualTo(g.promptTokens()).isEqualTo(6);
        UsageRecord u = lastUsage(r);
        assertThat(u.route()).isEqualTo("chat");
        assertThat(u.model()).isEqualTo("llama3.2:3b");
        assertThat(u.status()).isEqualTo(200);
        assertThat(u.outcome()).isEqualTo("completed");
        assertThat(u.promptTokens()).isEqualTo(6);
        assertThat(u.completionTokens()).isEqualTo(12);
        assertThat(u.bytesOut()).isEqualTo(r.body().length());
    }

    @Test
    void everyGenerationRouteReportsTheSimulatorsCounts() throws Exception {
        record Case(String path, String body, String header) {}
        List<Case> cases = List.of(
                new Case("/api/generate", "{\"model\":\"llama3.2:3b\",\"prompt\":\"a b c d\"}", null),
                new Case("/api/generate", "{\"model\":\"llama3.2:3b\",\"prompt\":\"a b\",\"stream\":false}", null),
                new Case("/api/chat", "{\"model\":\"qwen2.5:7b\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", null),
                new Case("/v1/chat/completions", "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}", null),
                new Case("/v1/chat/completions", "{\"model\":\"llama3.2:3b\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}", null),
                new Case("/v1/completions", "{\"model\":\"llama3.2:3b\",\"prompt\":\"p q r\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}", null),
                new Case("/v1/completions", "{\"model\":\"llama3.2:3b\",\"prompt\":\"p q r\"}", null),
                new Case("/v1/responses", "{\"model\":\"llama3.2:3b\",\"input\":\"tell me\",\"stream\":true}", null),
                new Case("/v1/responses", "{\"model\":\"llama3.2:3b\",\"input\":\"tell me\"}", null),
                new Case("/v1/messages", "{\"model\":\"llama3.2:3b\",\"max_tokens\":5,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"yo\"}]}", null),
                new Case("/v1/messages", "{\"model\":\"llama3.2:3b\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"yo\"}]}", null),
                new Case("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":[\"a b\",\"c\"]}", null),
                new Case("/v1/embeddings", "{\"model\":\"nomic-embed-text\",\"input\":\"a b c\"}", null));
        for (Case c : cases) {
            gw.seen().clear();
            HttpResponse<String> r = gw.post(c.path(), key, c.body());
            assertThat(r.statusCode()).as(c.path() + " " + c.body()).isEqualTo(200);
            SimRecorder.Generation g = gw.seen().generations().get(0);
            UsageRecord u = lastUsage(r);
            assertThat(u.promptTokens()).as("prompt tokens of " + c).isEqualTo(g.promptTokens());
            long expectCompletion = c.path().contains("embed") ? -1 : g.completionTokens();
            assertThat(u.completionTokens()).as("completion tokens of " + c).isEqualTo(expectCompletion);
        }
    }

    @Test
    void openAiStreamsAreCountedEvenWhenTheClientDidNotAskForUsageAndTheClientSeesNone() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", key,
                "{\"model\":\"llama3.2:3b\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(r.body()).endsWith("data: [DONE]\n\n").doesNotContain("\"usage\"");
        assertThat(r.body().split("\n\n")).hasSize(14); // 12 tokens, the final chunk, [DONE]
        SimRecorder.Request seen = gw.seen().requests().get(0);
        assertThat(seen.bodyBytes()).isGreaterThan(0);
        SimRecorder.Generation g = gw.seen().generations().get(0);
        UsageRecord u = lastUsage(r);
        assertThat(u.promptTokens()).isEqualTo(g.promptTokens());
        assertThat(u.completionTokens()).isEqualTo(g.completionTokens());

        HttpResponse<String> c = gw.post("/v1/completions", key, "{\"model\":\"llama3.2:3b\",\"prompt\":\"a b\",\"stream\":true}");
        assertThat(c.body()).doesNotContain("usage").endsWith("data: [DONE]\n\n");
        assertThat(lastUsage(c).completionTokens()).isEqualTo(12);
    }

    @Test
    void forwardingRewritesHostDropsCredentialsAndHopByHopAndAddsARequestId() throws Exception {
        try (RawClient c = gw.raw()) {
            RawClient.Response r = c.send("GET /api/version HTTP/1.1\r\nHost: gw.example.com\r\nAuthorization: Bearer " + key
                    + "\r\nConnection: keep-alive, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
                    + "TE: trailers\r\nX-Request-Id: spoofed\r\nAccept-Encoding: gzip\r\nUser-Agent: t/1\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-request-id")).matches("[0-9a-f]{24}");
            SimRecorder.Request seen = gw.seen().requests().get(0);
            assertThat(seen.header("Host")).isEqualTo("127.0.0.1:" + gw.sim.port());
            assertThat(seen.header("Authorization")).isNull();
            assertThat(seen.header("X-Secret-Hop")).isNull();
            assertThat(seen.header("Keep-Alive")).isNull();
            assertThat(seen.header("TE")).isNull();
            assertThat(seen.header("Accept-Encoding")).isNull();
            assertThat(seen.header("User-Agent")).isEqualTo("t/1");
            assertThat(seen.header("X-Request-Id")).isEqualTo(r.header("x-request-id"));
        }
    }

    @Test
    void keepAliveConnectionsCarryManyRequestsAndPipelinedOnesAnswerInOrder() throws Exception {
        try (RawClient c = gw.raw()) {
            String req = "GET /api/version HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n";
            String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"pipelined\"}";
            String chat = "POST /api/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
            c.send(req + chat + req + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" + req);
            assertThat(c.read().body()).contains("version");
            assertThat(c.read().body()).contains("\"done\":true");
            assertThat(c.read().body()).contains("version");
            assertThat(c.read().status()).isEqualTo(404);
            assertThat(c.read().body()).contains("version");
        }
    }

    @Test
    void upstreamConnectionsArePooledAndReused() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(gw.get("/api/version", key).statusCode()).isEqualTo(200);
            assertThat(gw.post("/api/generate", key, "{\"model\":\"llama3.2:3b\",\"prompt\":\"x\"}").statusCode()).isEqualTo(200);
        }
        assertThat(gw.seen().requests()).hasSize(10);
        assertThat(gw.seen().connections()).as("new connections to Ollama for 10 sequential requests").isLessThanOrEqualTo(1);
    }

    @Test
    void aKeyWithAModelListSeesOnlyThoseModels() throws Exception {
        String limited = gw.key("limited", EnumSet.of(Scope.INFERENCE), List.of("llama3*"), null);
        JsonNode tags = JSON.readTree(gw.get("/api/tags", limited).body());
        assertThat(tags.path("models")).extracting(m -> m.path("name").asText()).containsExactly("llama3.2:3b");
        JsonNode v1 = JSON.readTree(gw.get("/v1/models", limited).body());
        assertThat(v1.path("data")).extracting(m -> m.path("id").asText()).containsExactly("llama3.2:3b");
        JsonNode ps = JSON.readTree(gw.get("/api/ps", limited).body());
        assertThat(ps.path("models")).extracting(m -> m.path("name").asText()).containsExactly("llama3.2:3b");
        assertThat(gw.get("/v1/models/qwen2.5:7b", limited).statusCode()).isEqualTo(404);
        assertThat(gw.get("/v1/models/llama3.2:3b", limited).statusCode()).isEqualTo(200);
        HttpResponse<String> denied = gw.post("/api/chat", limited, "{\"model\":\"qwen2.5:7b\",\"messages\":[]}");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(gw.post("/api/generate", limited, "{\"model\":\"llama3.2:3b\",\"prompt\":\"x\",\"stream\":false}")
                .statusCode()).isEqualTo(200);
    }

    @Test
    void theAccessLogAndUsageNeverHoldAKeyOrAPrompt() throws Exception {
        String prompt = "my-secret-prompt-" + System.nanoTime();
        gw.post("/api/generate", key, "{\"model\":\"llama3.2:3b\",\"prompt\":\"" + prompt + "\",\"stream\":false}");
        gw.post("/api/generate", key + "x", "{\"model\":\"llama3.2:3b\",\"prompt\":\"" + prompt + "\"}");
        gw.usage();
        String secret = key.substring(17);
        for (String line : gw.accessLog()) {
            assertThat(line).doesNotContain(secret).doesNotContain(prompt).doesNotContain("quick brown");
        }
        for (UsageRecord u : gw.usage()) {
            assertThat(u.toString()).doesNotContain(secret).doesNotContain(prompt);
        }
    }

    @Test
    void http10ClientsGetACloseDelimitedStreamNotChunks() throws Exception {
        String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"old client\"}";
        try (RawClient c = gw.raw()) {
            RawClient.Response r = c.send("POST /api/generate HTTP/1.0\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("transfer-encoding")).isNull();
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(r.body().split("\n")).hasSize(13);
            assertThat(r.body()).endsWith("}\n");
        }
    }

    @Test
    void headRequestsAndExpectContinueAreFramedCorrectly() throws Exception {
        try (RawClient c = gw.raw()) {
            RawClient.Response head = c.send("HEAD /api/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n")
                    .readHead();
            assertThat(head.status()).isEqualTo(200);
            // The connection is still in step: the next response is read correctly.
            RawClient.Response next = c.send("GET /api/version HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + "\r\n\r\n").read();
            assertThat(next.body()).contains("version");
            String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"x\",\"stream\":false}";
            c.send("POST /api/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + "\r\nExpect: 100-continue\r\nContent-Length: " + body.length() + "\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(100);
            RawClient.Response r = c.send(body).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("\"done\":true");
        }
        try (RawClient c = gw.raw()) {
            // Refused before the body: no 100 Continue, a final answer at once.
            RawClient.Response r = c.send("POST /api/generate HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 10\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(401);
        }
    }

    @Test
    void healthSaysTheUpstreamAnswers() throws Exception {
        HttpResponse<String> r = gw.get("/healthz", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"status\":\"ok\",\"upstream\":\"reachable\"}");
    }

    /** The usage record of a response; it is written just after the last byte is flushed, so wait for it. */
    static UsageRecord lastUsage(HttpResponse<String> r) {
        String id = r.headers().firstValue("x-request-id").orElseThrow();
        return usageOf(gw, id);
    }

    static UsageRecord usageOf(TestGateway g, String requestId) {
        UsageRecord[] found = new UsageRecord[1];
        Eventually.await("usage record of request " + requestId, Duration.ofSeconds(10), () -> {
            try {
                found[0] = g.usage().stream().filter(u -> u.requestId().equals(requestId)).findFirst().orElse(null);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return found[0] != null;
        });
        return found[0];
    }
}
