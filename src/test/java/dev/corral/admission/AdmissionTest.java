package dev.corral.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.access.ApiKey;
import dev.corral.store.KeyLimits;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.sim.SimRecorder;
import dev.corral.testing.Eventually;
import dev.corral.testing.MutableClock;
import dev.corral.testing.RawClient;
import dev.corral.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Each limit reached and refused with the right status, headers and dialect, and never forwarded. */
class AdmissionTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final SimConfig SIM = SimConfig.defaults(new HostPort("127.0.0.1", 0));
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static KeyLimits limits(Long rpm, Long tpm, Long daily, Integer concurrency, Integer weight) {
        return new KeyLimits(rpm, tpm, daily, null, concurrency, weight);
    }

    static CompletableFuture<HttpResponse<String>> postAsync(TestGateway gw, String path, String key, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url() + path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Authorization", "Bearer " + key);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void allReleased(TestGateway gw, String key) {
        Eventually.await("every slot released", Duration.ofSeconds(10), () ->
                gw.corral.admission().inFlight(ApiKey.idOf(key)) == 0 && gw.corral.admission().queue().inUse() == 0
                        && gw.corral.admission().queue().waiting() == 0);
    }

    @Test
    void requestRateIsRefusedWith429RetryAfterAndRateLimitHeadersInEachDialect() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            String key = gw.key("rpm3", limits(3L, null, null, null, null));
            for (int i = 0; i < 3; i++) {
                assertThat(gw.get("/api/version", key).statusCode()).isEqualTo(200);
            }
            gw.seen().clear();
            HttpResponse<String> r = gw.get("/api/version", key);
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(Long.parseLong(r.headers().firstValue("retry-after").orElseThrow())).isBetween(1L, 20L);
            assertThat(r.headers().firstValue("ratelimit-policy")).hasValue("\"rpm\";q=3;w=60");
            assertThat(r.headers().firstValue("ratelimit").orElseThrow()).startsWith("\"rpm\";r=0;t=");
            assertThat(JSON.readTree(r.body()).path("error").asText()).startsWith("rate limit: this key may send 3 requests per minute");
            JsonNode oai = JSON.readTree(gw.post("/v1/chat/completions", key, "{\"model\":\"llama3.2:3b\",\"messages\":[]}").body());
            assertThat(oai.path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
            HttpResponse<String> ant = gw.post("/v1/messages", key, "{\"model\":\"llama3.2:3b\",\"max_tokens\":5,\"messages\":[]}");
            assertThat(ant.statusCode()).isEqualTo(429);
            assertThat(JSON.readTree(ant.body()).path("error").path("type").asText()).isEqualTo("rate_limit_error");
            assertThat(gw.seen().requests()).isEmpty();
        }
    }

    @Test
    void twentyParallelStreamsNeverSpendMoreThanTheTokensPerMinute() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("admission.upstream_concurrency", "20"), SIM)) {
            String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"count\",\"options\":{\"num_predict\":100}}";
            long need = body.length() / 4 + 100;
            long tpm = 5 * need + need / 2; // fits 5, not 6
            String key = gw.key("tpm", limits(null, tpm, null, 0, null));
            gw.seen().clear();
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(postAsync(gw, "/api/generate", key, body, "X-Sim-Tokens", "100", "X-Sim-Tokens-Per-Second", "200"));
            }
            int ok = 0;
            int refused = 0;
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                HttpResponse<String> r = c.get();
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertThat(r.statusCode()).isEqualTo(429);
                    assertThat(r.body()).contains("token rate limit");
                    assertThat(r.headers().firstValue("ratelimit-policy")).hasValue("\"tpm\";q=" + tpm + ";w=60");
                    refused++;
                }
            }
            assertThat(ok).isEqualTo(5);
            assertThat(refused).isEqualTo(15);
            long spent = gw.seen().generations().stream().mapToLong(g -> g.promptTokens() + g.completionTokens()).sum();
            assertThat(gw.seen().generations()).hasSize(5);
            assertThat(spent).isLessThanOrEqualTo(tpm);
            allReleased(gw, key);
        }
    }

    @Test
    void settlementUsesOllamasExactCountsOnEveryFormat() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            String key = gw.key("budget", limits(null, null, 1_000_000_000L, null, null));
            String id = ApiKey.idOf(key);
            record Case(String path, String body) {}
            List<Case> cases = List.of(
                    new Case("/api/chat", "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"a b c\"}]}"),
                    new Case("/api/generate", "{\"model\":\"llama3.2:3b\",\"prompt\":\"x y\",\"stream\":false}"),
                    new Case("/v1/chat/completions", "{\"model\":\"llama3.2:3b\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}"),
                    new Case("/v1/chat/completions", "{\"model\":\"llama3.2:3b\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}"),
                    new Case("/v1/completions", "{\"model\":\"llama3.2:3b\",\"prompt\":\"p\",\"stream\":true}"),
                    new Case("/v1/messages", "{\"model\":\"llama3.2:3b\",\"max_tokens\":7,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}"),
                    new Case("/v1/responses", "{\"model\":\"llama3.2:3b\",\"input\":\"q r\",\"stream\":true}"),
                    new Case("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":[\"a b\",\"c\"]}"));
            for (Case c : cases) {
                gw.seen().clear();
                long before = gw.corral.admission().usedToday(id);
                HttpResponse<String> r = gw.post(c.path(), key, c.body());
                assertThat(r.statusCode()).as(c.toString()).isEqualTo(200);
                SimRecorder.Generation g = gw.seen().generations().get(0);
                long expected = g.promptTokens() + (c.path().contains("embed") ? 0 : g.completionTokens());
                Eventually.await("settlement of " + c, Duration.ofSeconds(5),
                        () -> gw.corral.admission().usedToday(id) - before == expected);
                boolean asked = c.body().contains("include_usage");
                if (c.path().startsWith("/v1/chat") || c.path().startsWith("/v1/completions")) {
                    assertThat(r.body().contains("\"usage\"")).as("client sees usage only when it asked: " + c).isEqualTo(asked);
                }
            }
            allReleased(gw, key);
        }
    }

    @Test
    void aStreamCutShortSettlesWhatWasProduced() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            String key = gw.key("cut", limits(null, null, 1_000_000_000L, null, null));
            String id = ApiKey.idOf(key);
            String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"go\",\"options\":{\"num_predict\":5000}}";
            try (RawClient c = gw.raw()) {
                c.send("POST /api/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\nX-Sim-Tokens: 5000\r\n"
                        + "X-Sim-Tokens-Per-Second: 100\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                c.readHead();
                c.input().readNBytes(600);
            }
            Eventually.await("cancellation", Duration.ofSeconds(10), () -> gw.seen().cancellations().size() == 1);
            allReleased(gw, key);
            long used = gw.corral.admission().usedToday(id);
            int sent = gw.seen().cancellations().get(0).tokensSent();
            long estimate = body.length() / 4;
            assertThat(used).as("estimate %d + chunks seen (simulator sent %d)", estimate, sent).isBetween(estimate + 1, estimate + sent + 1);
            assertThat(used).isLessThan(5000);
        }
    }

    @Test
    void dailyBudgetsRefuseWithTheResetTimeAndRenewAtMidnightUtc() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T23:59:00Z"));
        try (TestGateway gw = TestGateway.start(Map.of(), SIM, clock)) {
            String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"hello\",\"stream\":false,\"options\":{\"num_predict\":20}}";
            long need = body.length() / 4 + 20;
            String key = gw.key("daily", limits(null, null, need * 2 + need / 2, null, null));
            assertThat(gw.post("/api/generate", key, body).statusCode()).isEqualTo(200);
            assertThat(gw.post("/api/generate", key, body).statusCode()).isEqualTo(200);
            // Settled at the real count (1 + 12 each), so a third now fits; a fourth would not.
            assertThat(gw.post("/api/generate", key, body).statusCode()).isEqualTo(200);
            HttpResponse<String> refused = null;
            for (int i = 0; i < 5 && refused == null; i++) {
                HttpResponse<String> r = gw.post("/api/generate", key, body);
                if (r.statusCode() == 429) {
                    refused = r;
                }
            }
            assertThat(refused).isNotNull();
            assertThat(refused.body()).contains("daily token budget exhausted").contains("resets at 2026-11-24T00:00:00Z");
            assertThat(refused.headers().firstValue("retry-after")).hasValue("60");
            assertThat(refused.headers().firstValue("ratelimit-policy").orElseThrow()).startsWith("\"daily\";q=");
            clock.set(Instant.parse("2026-11-24T00:00:01Z"));
            assertThat(gw.post("/api/generate", key, body).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void perKeyConcurrencyAndTheSlotComesBackAfterwards() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("admission.upstream_concurrency", "4"), SIM)) {
            String key = gw.key("one-at-a-time", limits(null, null, null, 1, null));
            String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"slow\"}";
            CompletableFuture<HttpResponse<String>> slow = postAsync(gw, "/api/generate", key, body,
                    "X-Sim-Tokens", "20", "X-Sim-Tokens-Per-Second", "40");
            Eventually.await("the first request to be in flight", Duration.ofSeconds(5),
                    () -> gw.corral.admission().inFlight(ApiKey.idOf(key)) == 1);
            HttpResponse<String> second = gw.post("/api/generate", key, body);
            assertThat(second.statusCode()).isEqualTo(429);
            assertThat(second.body()).contains("too many requests in flight for this key (limit 1)");
            assertThat(slow.get().statusCode()).isEqualTo(200);
            allReleased(gw, key);
            assertThat(gw.post("/api/generate", key, body).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theQueueIsBoundedHasADeadlineAndForgetsClientsThatLeave() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("admission.upstream_concurrency", "1", "admission.queue_per_key", "2",
                "admission.queue_size", "3", "admission.queue_timeout", "1s"), SIM)) {
            String a = gw.key("a", limits(null, null, null, 0, null));
            String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"hold\"}";
            CompletableFuture<HttpResponse<String>> holder = postAsync(gw, "/api/generate", a, body,
                    "X-Sim-Tokens", "40", "X-Sim-Tokens-Per-Second", "20");
            Eventually.await("the slot to be taken", Duration.ofSeconds(5), () -> gw.corral.admission().queue().inUse() == 1);
            CompletableFuture<HttpResponse<String>> q1 = postAsync(gw, "/api/generate", a, body);
            CompletableFuture<HttpResponse<String>> q2 = postAsync(gw, "/api/generate", a, body);
            Eventually.await("two waiting", Duration.ofSeconds(5), () -> gw.corral.admission().queue().waiting() == 2);
            HttpResponse<String> third = gw.post("/api/generate", a, body);
            assertThat(third.statusCode()).isEqualTo(503);
            assertThat(third.headers().firstValue("retry-after")).hasValue("5");
            assertThat(third.body()).contains("already has 2 requests waiting");
            // the deadline: both waiters give up with 503 while the holder still runs
            assertThat(q1.get().statusCode()).isEqualTo(503);
            assertThat(q2.get().body()).contains("waited 1 s in the queue");
            assertThat(holder.get().statusCode()).isEqualTo(200);
            allReleased(gw, a);

            // a client that leaves while queued leaves the queue at once
            gw.seen().clear();
            CompletableFuture<HttpResponse<String>> again = postAsync(gw, "/api/generate", a, body,
                    "X-Sim-Tokens", "40", "X-Sim-Tokens-Per-Second", "20");
            Eventually.await("the slot to be taken", Duration.ofSeconds(5), () -> gw.corral.admission().queue().inUse() == 1);
            // the slot is taken before the request reaches the simulator: wait for it there, then count afresh
            Eventually.await("the holder at Ollama", Duration.ofSeconds(5), () -> !gw.seen().requests().isEmpty());
            gw.seen().clear();
            try (RawClient c = gw.raw()) {
                c.send("POST /api/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + a + "\r\nContent-Length: "
                        + body.length() + "\r\n\r\n" + body);
                Eventually.await("queued", Duration.ofSeconds(5), () -> gw.corral.admission().queue().waiting() == 1);
            }
            Eventually.await("the queue to forget the client", Duration.ofSeconds(2), () -> gw.corral.admission().queue().waiting() == 0);
            assertThat(again.get().statusCode()).isEqualTo(200);
            allReleased(gw, a);
            assertThat(gw.seen().requests()).hasSize(0);
        }
    }

    @Test
    void aFloodingKeyDoesNotHoldBackAnotherKeysSingleRequest() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("admission.upstream_concurrency", "1", "admission.queue_per_key", "100",
                "admission.queue_size", "200"), SIM)) {
            String a = gw.key("flood", limits(null, null, null, 0, null));
            String b = gw.key("single", limits(null, null, null, 0, null));
            String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"x\"}";
            gw.seen().clear();
            List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                flood.add(postAsync(gw, "/api/generate", a, body, "X-Sim-Tokens", "4", "X-Sim-Tokens-Per-Second", "200"));
            }
            Eventually.await("the flood to queue", Duration.ofSeconds(10), () -> gw.corral.admission().queue().waiting() >= 40);
            int servedBefore = gw.seen().generations().size();
            HttpResponse<String> single = postAsync(gw, "/api/generate", b, body, "X-Sim-Tokens", "4").get();
            assertThat(single.statusCode()).isEqualTo(200);
            String bId = single.headers().firstValue("x-request-id").orElseThrow();
            List<SimRecorder.Generation> order = gw.seen().generations();
            int position = -1;
            for (int i = 0; i < order.size(); i++) {
                if (order.get(i).requestId().equals(bId)) {
                    position = i;
                }
            }
            assertThat(position - servedBefore).as("slots B waited after it arrived").isLessThanOrEqualTo(3);
            for (CompletableFuture<HttpResponse<String>> f : flood) {
                assertThat(f.get().statusCode()).isEqualTo(200);
            }
            allReleased(gw, a);
        }
    }

    @Test
    void ratesBeyondWhatABucketCanRefillActAsUnlimited() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            String key = gw.key("huge", new KeyLimits(1_000_000_000_000L, 1_000_000_000_000_000L, null, null, null, null));
            assertThat(gw.post("/api/generate", key, "{\"model\":\"llama3.2:3b\",\"prompt\":\"x\",\"stream\":false}")
                    .statusCode()).isEqualTo(200);
        }
    }

    @Test
    void weightsShareABusyUpstream() {
        FairQueue q = new FairQueue(1, 100, 100);
        List<String> order = new ArrayList<>();
        FairQueue.Permit first = q.acquire("x", 1, Runnable::run, p -> { }).permit();
        List<FairQueue.Permit> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            q.acquire("light", 1, Runnable::run, p -> {
                order.add("light");
                held.add(p);
            });
            q.acquire("heavy", 2, Runnable::run, p -> {
                order.add("heavy");
                held.add(p);
            });
        }
        first.release();
        for (int i = 0; i < 6; i++) {
            held.get(i).release();
        }
        // in the first six turns after the busy slot, weight 2 gets twice the turns of weight 1
        assertThat(order.subList(0, 6).stream().filter("heavy"::equals).count()).isEqualTo(4);
    }

    @Test
    void repeatedBadKeysFromOneAddressAreRefusedButAValidKeyFromItAlwaysWorks() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("admission.failed_auth_burst", "5", "admission.failed_auth_per_minute", "6"), SIM)) {
            String good = gw.inferenceKey();
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 7; i++) { // a burst of 5 failures, then refused
                try (RawClient c = new RawClient("127.0.0.1", gw.port(), "127.0.0.3")) {
                    statuses.add(c.send("GET /api/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer crl_bad\r\n\r\n").read().status());
                }
            }
            assertThat(statuses).containsExactly(401, 401, 401, 401, 401, 429, 429);
            // Every local app shares 127.0.0.1: one client's stale key must not lock out the others.
            try (RawClient c = new RawClient("127.0.0.1", gw.port(), "127.0.0.3")) {
                assertThat(c.send("GET /api/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + good + "\r\n\r\n").read().status())
                        .isEqualTo(200);
                RawClient.Response r = c.send("GET /api/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer crl_bad\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(429);
                assertThat(r.header("retry-after")).isEqualTo("10");
            }
            try (RawClient c = new RawClient("127.0.0.1", gw.port(), "127.0.0.4")) {
                assertThat(c.send("GET /api/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + good + "\r\n\r\n").read().status())
                        .isEqualTo(200);
                assertThat(c.send("GET /api/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\r\n").read().status())
                        .isEqualTo(401);
            }
        }
    }
}
