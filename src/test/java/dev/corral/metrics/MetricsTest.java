package dev.corral.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.access.ApiKey;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.sim.SimRecorder;
import dev.corral.store.Scope;
import dev.corral.testing.Eventually;
import dev.corral.testing.RawClient;
import dev.corral.testing.TestGateway;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * /metrics on the admin socket of a real server in front of the simulator: known traffic goes
 * through the public listener, and the scraped text must hold exactly what that traffic was.
 */
class MetricsTest {
    static final String CHAT = "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";
    static final Duration WAIT = Duration.ofSeconds(10);

    static TestGateway gw;
    static String key;
    static String keyId;
    static SimRecorder.Generation generate;
    static Scrape scrape;

    /** The traffic every test here reads: 3 answered, 3 refused, one request for /metrics itself. */
    @BeforeAll
    static void sendKnownTraffic() throws Exception {
        gw = TestGateway.start();
        key = gw.inferenceKey();
        keyId = ApiKey.idOf(key);
        String narrow = gw.key("narrow", EnumSet.of(Scope.INFERENCE), List.of("qwen2.5:7b"), null);
        assertThat(gw.post("/api/chat", key, CHAT).statusCode()).isEqualTo(200);
        assertThat(gw.post("/api/chat", key, CHAT).statusCode()).isEqualTo(200);
        gw.seen().clear();
        assertThat(gw.post("/api/generate", key, "{\"model\":\"llama3.2:3b\",\"prompt\":\"a b c d e\",\"stream\":false}")
                .statusCode()).isEqualTo(200);
        generate = gw.seen().generations().get(0);
        assertThat(gw.post("/api/chat", null, CHAT).statusCode()).isEqualTo(401);
        // A model the key may not use: refused, and its name must not become a label.
        assertThat(gw.post("/api/chat", narrow, CHAT.replace("llama3.2:3b", "mistral-refused:7b")).statusCode())
                .isEqualTo(403);
        assertThat(gw.get("/metrics", key).statusCode()).isEqualTo(404);
        // The client has its answer before the settle listeners have run: wait for all six.
        Eventually.await("six requests counted", WAIT, () -> scrape().sum("corral_requests_total") == 6);
        scrape = scrape();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static Scrape scrape() {
        try {
            return Scrape.of(gw.corral.adminSocket());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theAdminSocketServesPrometheusText() {
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(scrape.text()).contains("# TYPE corral_requests_total counter");
    }

    @Test
    void requestsAreCountedByRouteStatusAndOutcome() {
        assertThat(scrape.value("corral_requests_total", "route", "chat", "status", "200", "outcome", "completed")).isEqualTo(2.0);
        assertThat(scrape.value("corral_requests_total", "route", "generate", "status", "200", "outcome", "completed")).isEqualTo(1.0);
        assertThat(scrape.value("corral_requests_total", "route", "chat", "status", "401", "outcome", "refused")).isEqualTo(1.0);
        assertThat(scrape.value("corral_requests_total", "route", "chat", "status", "403", "outcome", "refused")).isEqualTo(1.0);
        assertThat(scrape.value("corral_requests_total", "route", "none", "status", "404", "outcome", "refused")).isEqualTo(1.0);
        assertThat(scrape.value("corral_request_duration_seconds_count", "route", "chat")).isEqualTo(4.0);
        assertThat(scrape.value("corral_request_duration_seconds_count", "route", "generate")).isEqualTo(1.0);
        assertThat(scrape.value("corral_upstream_first_byte_seconds_count", "route", "chat")).isEqualTo(2.0);
    }

    @Test
    void refusalsAreCountedByReasonCode() {
        assertThat(scrape.value("corral_refusals_total", "reason", "auth_missing")).isEqualTo(1.0);
        assertThat(scrape.value("corral_refusals_total", "reason", "model_not_allowed")).isEqualTo(1.0);
        assertThat(scrape.value("corral_refusals_total", "reason", "no_route")).isEqualTo(1.0);
        assertThat(scrape.sum("corral_refusals_total")).isEqualTo(3.0);
    }

    @Test
    void tokensAreCountedByKeyAndModelAsOllamaCountedThem() {
        // The simulator counts a chat of "one two three" as 6 prompt tokens and answers 12.
        long input = 2 * 6 + generate.promptTokens();
        long output = 2 * 12 + generate.completionTokens();
        assertThat(scrape.value("corral_tokens_total", "key_id", keyId, "gen_ai_request_model", "llama3.2:3b",
                "gen_ai_token_type", "input")).isEqualTo((double) input);
        assertThat(scrape.value("corral_tokens_total", "key_id", keyId, "gen_ai_request_model", "llama3.2:3b",
                "gen_ai_token_type", "output")).isEqualTo((double) output);
        assertThat(scrape.sum("corral_tokens_total")).isEqualTo((double) (input + output));
    }

    @Test
    void genAiHistogramsFollowTheOpenTelemetryNames() {
        String[] chatInput = {"gen_ai_operation_name", "chat", "gen_ai_provider_name", "ollama",
            "gen_ai_request_model", "llama3.2:3b", "gen_ai_token_type", "input"};
        assertThat(scrape.value("gen_ai_client_token_usage_count", chatInput)).isEqualTo(2.0);
        assertThat(scrape.value("gen_ai_client_token_usage_sum", chatInput)).isEqualTo(12.0);
        assertThat(scrape.value("gen_ai_client_token_usage_bucket", append(chatInput, "le", "4.0"))).isEqualTo(0.0);
        assertThat(scrape.value("gen_ai_client_token_usage_bucket", append(chatInput, "le", "16.0"))).isEqualTo(2.0);
        assertThat(scrape.value("gen_ai_client_token_usage_sum", "gen_ai_operation_name", "text_completion",
                "gen_ai_provider_name", "ollama", "gen_ai_request_model", "llama3.2:3b", "gen_ai_token_type", "output"))
                .isEqualTo((double) generate.completionTokens());
        String[] chat = {"gen_ai_operation_name", "chat", "gen_ai_provider_name", "ollama", "gen_ai_request_model", "llama3.2:3b"};
        assertThat(scrape.value("gen_ai_server_request_duration_seconds_count", append(chat, "error_type", "")))
                .isEqualTo(2.0);
        // Both chats streamed (Ollama's default); the generate asked for a whole answer, which has no first-token time.
        assertThat(scrape.value("gen_ai_server_time_to_first_token_seconds_count", chat)).isEqualTo(2.0);
        assertThat(scrape.value("gen_ai_server_time_to_first_token_seconds_count", "gen_ai_operation_name",
                "text_completion", "gen_ai_provider_name", "ollama", "gen_ai_request_model", "llama3.2:3b")).isNull();
    }

    @Test
    void gaugesReadTheServersState() throws Exception {
        gw.corral.usage().awaitFlushed(10_000);
        Scrape now = scrape();
        assertThat(now.value("corral_upstream_up")).isEqualTo(1.0);
        assertThat(now.value("corral_usage_records_waiting")).isEqualTo(0.0);
        assertThat(now.value("corral_audit_head_seq")).isEqualTo((double) gw.corral.audit().head().seq()).isPositive();
        assertThat(now.value("corral_queue_capacity")).isEqualTo(1.0);
        assertThat(now.value("corral_queue_in_use")).isEqualTo(0.0);
        assertThat(now.value("corral_queue_waiting")).isEqualTo(0.0);
        assertThat(now.value("corral_inflight_requests", "key_id", keyId)).isEqualTo(0.0);
        assertThat(now.value("netty_allocator_memory_used", "allocator_type", "PooledByteBufAllocator", "id", "gateway",
                "memory_type", "direct")).isNotNull().isGreaterThanOrEqualTo(0.0);
        assertThat(now.has("jvm_memory_used_bytes")).isTrue();
        assertThat(now.has("jvm_gc_memory_allocated_bytes_total")).isTrue();
        assertThat(now.has("jvm_threads_live_threads")).isTrue();
    }

    @Test
    void noLabelHoldsAPathAnAddressOrARequestId() {
        Set<String> names = new HashSet<>();
        Set<String> values = new HashSet<>();
        for (Scrape.Sample s : scrape.samples()) {
            names.addAll(s.labels().keySet());
            values.addAll(s.labels().values());
        }
        assertThat(names).doesNotContain("path", "uri", "url", "client", "client_address", "address", "peer", "ip",
                "host", "request_id");
        assertThat(values).noneMatch(v -> v.startsWith("/") || v.equals("127.0.0.1") || v.contains("mistral"));
        Pattern requestId = Pattern.compile("\"request_id\":\"([^\"]+)\"");
        for (String line : gw.accessLog()) {
            Matcher m = requestId.matcher(line);
            assertThat(m.find()).isTrue();
            assertThat(scrape.text()).doesNotContain(m.group(1));
        }
        assertThat(scrape.text()).doesNotContain(key);
    }

    @Test
    void metricsAreNotServedOnThePublicListener() throws Exception {
        assertThat(gw.get("/metrics", key).statusCode()).isEqualTo(404);
        assertThat(gw.get("/metrics", null).statusCode()).isEqualTo(404);
    }

    @Test
    void inFlightAndTheQueueShowRequestsWhileTheyRun() throws Exception {
        try (TestGateway g = TestGateway.start(Map.of(), SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            String a = g.key("a", EnumSet.of(Scope.INFERENCE), List.of(), null);
            String b = g.key("b", EnumSet.of(Scope.INFERENCE), List.of(), null);
            String body = CHAT;
            String head = "POST /api/chat HTTP/1.1\r\nHost: x\r\nX-Sim-Tokens: 100000\r\nX-Sim-Tokens-Per-Second: 50\r\n"
                    + "Content-Length: " + body.length() + "\r\nAuthorization: Bearer ";
            try (RawClient first = g.raw(); RawClient second = g.raw()) {
                first.send(head + a + "\r\n\r\n" + body);
                assertThat(first.readHead().status()).isEqualTo(200);
                second.send(head + b + "\r\n\r\n" + body); // Ollama's one slot is taken: it waits
                Eventually.await("one streaming, one queued", WAIT, () -> {
                    Scrape s = scrapeOf(g);
                    return s.value("corral_queue_waiting") == 1.0 && s.value("corral_queue_in_use") == 1.0;
                });
                Scrape s = scrapeOf(g);
                assertThat(s.value("corral_inflight_requests", "key_id", idOf(a))).isEqualTo(1.0);
                assertThat(s.value("corral_inflight_requests", "key_id", idOf(b))).isEqualTo(1.0);
            }
            Eventually.await("both ended", WAIT, () -> scrapeOf(g).sum("corral_requests_total") == 2);
            Scrape s = scrapeOf(g);
            assertThat(s.value("corral_requests_total", "route", "chat", "status", "499", "outcome", "client_gone"))
                    .isEqualTo(2.0);
            assertThat(s.sum("corral_request_errors_total", "outcome", "client_gone")).isEqualTo(2.0);
            assertThat(s.value("corral_queue_waiting")).isEqualTo(0.0);
            assertThat(s.value("corral_queue_in_use")).isEqualTo(0.0);
            assertThat(s.value("corral_inflight_requests", "key_id", idOf(a))).isEqualTo(0.0);
            assertThat(s.value("corral_inflight_requests", "key_id", idOf(b))).isEqualTo(0.0);
        }
    }

    @Test
    void metricsOffServesNoMetrics() throws Exception {
        try (TestGateway g = TestGateway.start(Map.of("metrics.enabled", "false"),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            assertThat(g.post("/api/chat", g.inferenceKey(), CHAT).statusCode()).isEqualTo(200);
            assertThat(Scrape.of(g.corral.adminSocket()).status()).isEqualTo(404);
        }
    }

    static Scrape scrapeOf(TestGateway g) {
        try {
            return Scrape.of(g.corral.adminSocket());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static String idOf(String key) {
        return ApiKey.idOf(key);
    }

    static String[] append(String[] pairs, String... more) {
        String[] out = java.util.Arrays.copyOf(pairs, pairs.length + more.length);
        System.arraycopy(more, 0, out, pairs.length, more.length);
        return out;
    }
}
