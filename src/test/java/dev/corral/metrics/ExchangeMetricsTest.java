package dev.corral.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.access.ModelPatterns;
import dev.corral.access.Principal;
import dev.corral.admission.AdmissionControl;
import dev.corral.admission.LocalBuckets;
import dev.corral.admission.LocalTokenBudgets;
import dev.corral.config.ConfigLoader;
import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.Outcome;
import dev.corral.route.RouteClass;
import dev.corral.route.RouteTable;
import dev.corral.store.Scope;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The settle listener on its own, with exchanges made by hand: label caps, what counts, what it allocates. */
class ExchangeMetricsTest {
    static final RouteTable ROUTES = RouteTable.ollama();
    static final AdmissionControl ADMISSION = new AdmissionControl(
            new ConfigLoader(Map.of()).load(null, Map.of("state_dir", "/nonexistent")).admission(),
            new LocalBuckets(), new LocalTokenBudgets((key, since) -> 0), Clock.systemUTC());

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    /** A finished exchange on {@code path}; admitted (with a ticket for {@code keyId}) unless keyId is null. */
    static Exchange exchange(String path, String keyId, String model, Outcome outcome, int status, String reason,
                             long in, long out) {
        Exchange e = new Exchange("req-" + System.nanoTime(), Instant.now(), System.nanoTime(),
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path), InetAddress.getLoopbackAddress(), null, null);
        e.match(ROUTES.classify(HttpMethod.POST, path, EnumSet.allOf(RouteClass.class)));
        e.model(model);
        e.stream(model != null); // streamed, so every meter an inference request can touch is touched
        if (keyId != null) {
            Principal p = new Principal(keyId, "t", Set.of(Scope.INFERENCE), ModelPatterns.of(List.of()));
            e.ticket(ADMISSION.admit(p, false, true, -1, 8).ticket());
        }
        e.tally().status(status);
        e.tally().tokens(in, out, 1);
        e.finish(outcome, status, reason);
        return e;
    }

    Scrape scrape() {
        String text = registry.scrape();
        return new Scrape(200, null, text, Scrape.parse(text));
    }

    @Test
    void modelsPastTheCapAreCountedAsOther() {
        ExchangeMetrics m = new ExchangeMetrics(registry, 8, 8, 3);
        for (int i = 0; i < 5; i++) {
            m.onComplete(exchange("/api/chat", "key000000001", "model-" + i, Outcome.COMPLETED, 200, null, 10, 1));
        }
        Scrape s = scrape();
        for (int i = 0; i < 3; i++) {
            assertThat(s.value("corral_tokens_total", "key_id", "key000000001", "gen_ai_request_model", "model-" + i,
                    "gen_ai_token_type", "input")).isEqualTo(10.0);
        }
        assertThat(s.value("corral_tokens_total", "key_id", "key000000001", "gen_ai_request_model", "other",
                "gen_ai_token_type", "input")).isEqualTo(20.0);
        assertThat(s.value("gen_ai_client_token_usage_count", "gen_ai_operation_name", "chat", "gen_ai_provider_name",
                "ollama", "gen_ai_request_model", "other", "gen_ai_token_type", "output")).isEqualTo(2.0);
        assertThat(s.samples()).noneMatch(x -> "model-3".equals(x.labels().get("gen_ai_request_model")));
    }

    @Test
    void keysPastTheCapAreCountedAsOther() {
        ExchangeMetrics m = new ExchangeMetrics(registry, 8, 2, 8);
        for (String key : List.of("keyaaaaaaaaa", "keybbbbbbbbb", "keyccccccccc", "keyddddddddd")) {
            m.onComplete(exchange("/api/generate", key, "llama3.2:3b", Outcome.COMPLETED, 200, null, 3, 4));
        }
        Scrape s = scrape();
        assertThat(s.value("corral_tokens_total", "key_id", "keyaaaaaaaaa", "gen_ai_request_model", "llama3.2:3b",
                "gen_ai_token_type", "output")).isEqualTo(4.0);
        assertThat(s.value("corral_tokens_total", "key_id", "other", "gen_ai_request_model", "llama3.2:3b",
                "gen_ai_token_type", "output")).isEqualTo(8.0);
    }

    @Test
    void reasonsPastTheCapOrNotShapedLikeACodeAreOther() {
        ExchangeMetrics m = new ExchangeMetrics(registry, 2, 8, 8);
        for (String reason : List.of("first_code", "second_code", "third_code", "Not A Code!", "first_code")) {
            m.onComplete(exchange("/api/chat", null, null, Outcome.REFUSED, 400, reason, -1, -1));
        }
        m.onComplete(exchange("/api/chat", "key000000001", "llama3.2:3b", Outcome.UPSTREAM_TIMEOUT, 504,
                "upstream_first_byte_timeout", -1, -1));
        Scrape s = scrape();
        assertThat(s.value("corral_refusals_total", "reason", "first_code")).isEqualTo(2.0);
        assertThat(s.value("corral_refusals_total", "reason", "second_code")).isEqualTo(1.0);
        assertThat(s.value("corral_refusals_total", "reason", "other")).isEqualTo(2.0);
        // The cap is shared by refusals and errors: the third distinct code is "other" here too.
        assertThat(s.value("corral_request_errors_total", "outcome", "upstream_timeout", "reason", "other")).isEqualTo(1.0);
        // Ollama never answered for this model yet: it is not a label until it has.
        assertThat(s.value("gen_ai_server_request_duration_seconds_count", "gen_ai_operation_name", "chat",
                "gen_ai_provider_name", "ollama", "gen_ai_request_model", "other", "error_type", "upstream_timeout"))
                .isEqualTo(1.0);
    }

    @Test
    void anErrorStatusFromOllamaIsTheDurationsErrorType() {
        ExchangeMetrics m = new ExchangeMetrics(registry);
        m.onComplete(exchange("/api/chat", "key000000001", "llama3.2:3b", Outcome.COMPLETED, 200, null, 6, 12));
        m.onComplete(exchange("/api/chat", "key000000001", "llama3.2:3b", Outcome.COMPLETED, 404, null, -1, -1));
        Scrape s = scrape();
        String[] chat = {"gen_ai_operation_name", "chat", "gen_ai_provider_name", "ollama", "gen_ai_request_model",
            "llama3.2:3b"};
        assertThat(s.value("gen_ai_server_request_duration_seconds_count", MetricsTest.append(chat, "error_type", "")))
                .isEqualTo(1.0);
        assertThat(s.value("gen_ai_server_request_duration_seconds_count", MetricsTest.append(chat, "error_type", "404")))
                .isEqualTo(1.0);
    }

    @Test
    void aModelOllamaDoesNotHaveTakesNoLabel() {
        ExchangeMetrics m = new ExchangeMetrics(registry, 8, 8, 1);
        for (int i = 0; i < 5; i++) { // names Ollama answers 404 for: none of them may use up the one label
            m.onComplete(exchange("/api/chat", "key000000001", "no-such-model-" + i, Outcome.COMPLETED, 404, null, -1, -1));
        }
        m.onComplete(exchange("/api/chat", "key000000001", "llama3.2:3b", Outcome.COMPLETED, 200, null, 6, 12));
        m.onComplete(exchange("/api/chat", "key000000001", "llama3.2:3b", Outcome.COMPLETED, 404, null, -1, -1));
        Scrape s = scrape();
        assertThat(s.text()).doesNotContain("no-such-model");
        String[] chat = {"gen_ai_operation_name", "chat", "gen_ai_provider_name", "ollama"};
        assertThat(s.value("gen_ai_server_request_duration_seconds_count",
                MetricsTest.append(chat, "gen_ai_request_model", "other", "error_type", "404"))).isEqualTo(5.0);
        assertThat(s.value("gen_ai_server_request_duration_seconds_count",
                MetricsTest.append(chat, "gen_ai_request_model", "llama3.2:3b", "error_type", "404"))).isEqualTo(1.0);
        assertThat(s.value("gen_ai_client_token_usage_sum",
                MetricsTest.append(chat, "gen_ai_request_model", "llama3.2:3b", "gen_ai_token_type", "output"))).isEqualTo(12.0);
    }

    @Test
    void theModelOfARequestThatWasNotAdmittedIsNoLabel() {
        ExchangeMetrics m = new ExchangeMetrics(registry);
        m.onComplete(exchange("/api/chat", null, "attacker-chosen-name", Outcome.REFUSED, 403, "model_not_allowed", -1, -1));
        Scrape s = scrape();
        assertThat(s.text()).doesNotContain("attacker-chosen-name");
        assertThat(s.value("corral_requests_total", "route", "chat", "status", "403", "outcome", "refused")).isEqualTo(1.0);
    }

    @Test
    void aStatusOutsideHttpsRangeIsOther() {
        ExchangeMetrics m = new ExchangeMetrics(registry);
        m.onComplete(exchange("/api/show", "key000000001", null, Outcome.COMPLETED, 999, null, -1, -1));
        assertThat(scrape().value("corral_requests_total", "route", "show", "status", "other", "outcome", "completed"))
                .isEqualTo(1.0);
    }

    @Test
    void recordingAKnownLabelSetAllocatesNothing() {
        ExchangeMetrics m = new ExchangeMetrics(registry);
        Exchange done = exchange("/api/chat", "key000000001", "llama3.2:3b", Outcome.COMPLETED, 200, null, 6, 12);
        Exchange refused = exchange("/api/chat", null, null, Outcome.REFUSED, 401, "auth_missing", -1, -1);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long least = Long.MAX_VALUE;
        // Rounds, because the JIT and Micrometer's time-window rotation allocate now and then; the
        // steady state must allocate nothing per request.
        for (int round = 0; round < 20; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                m.onComplete(done);
                m.onComplete(refused);
            }
            least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertThat(least).as("bytes allocated by 20,000 recordings").isLessThan(20_000);
    }
}
