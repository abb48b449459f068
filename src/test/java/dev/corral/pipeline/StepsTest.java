package dev.corral.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.access.ModelPatterns;
import dev.corral.access.Principal;
import dev.corral.admission.AdmissionControl;
import dev.corral.admission.FairQueue;
import dev.corral.admission.LocalBuckets;
import dev.corral.admission.TokenBudgets;
import dev.corral.config.ConfigLoader;
import dev.corral.config.Settings;
import dev.corral.route.RouteTable;
import dev.corral.store.KeyLimits;
import dev.corral.store.Scope;
import dev.corral.upstream.UpstreamHealth;
import dev.corral.usage.UsageHealth;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each step of the request path alone: given an exchange, the decision it returns. */
class StepsTest {
    static final Settings SETTINGS = new ConfigLoader(Map.of()).load(null, Map.of("limits.max_body_bytes", "1KiB"));
    static final RouteTable ROUTES = RouteTable.ollama();
    final EmbeddedChannel loop = new EmbeddedChannel();

    @AfterEach
    void close() {
        loop.finishAndReleaseAll();
    }

    Exchange exchange(HttpMethod method, String uri, String... headers) {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        req.headers().set("Host", "x");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            req.headers().add(headers[i], headers[i + 1]);
        }
        return new Exchange("r", Instant.now(), System.nanoTime(), req, InetAddress.getLoopbackAddress(), null, loop.eventLoop());
    }

    Exchange classified(HttpMethod method, String uri, String... headers) {
        Exchange ex = exchange(method, uri, headers);
        assertThat(new Classify(ROUTES, RouteTable.publicClasses()).apply(ex)).isSameAs(Decision.CONTINUE);
        return ex;
    }

    @Test
    void framingRefusesWhatTheDecoderOrOllamaCouldReadDifferentlyAndCloses() {
        Exchange bad = exchange(HttpMethod.GET, "/api/tags");
        bad.request().setDecoderResult(DecoderResult.failure(new io.netty.handler.codec.http.TooLongHttpLineException("x")));
        Decision d = new Framing().apply(bad);
        assertThat(d.refusal().status()).isEqualTo(414);
        assertThat(d.refusal().close()).isTrue();
        Decision teCl = new Framing().apply(exchange(HttpMethod.POST, "/api/chat", "Transfer-Encoding", "chunked",
                "Content-Length", "5"));
        assertThat(teCl.refusal().reason()).isEqualTo("te_and_cl");
        assertThat(new Framing().apply(exchange(HttpMethod.GET, "/api/tags"))).isSameAs(Decision.CONTINUE);
    }

    @Test
    void healthAnswersHereAndSaysWhetherRequestsAreServed() {
        UpstreamHealth upstream = new UpstreamHealth(SETTINGS.upstream());
        try {
            Health h = new Health(upstream, () -> new UsageHealth(true, true, "store not writable"));
            Decision d = h.apply(exchange(HttpMethod.GET, "/healthz"));
            assertThat(d.kind()).isEqualTo(Decision.Kind.ANSWER);
            assertThat(d.answer().status()).isEqualTo(503);
            assertThat(new String(d.answer().body())).contains("\"usage\":\"store not writable\"");
            assertThat(h.apply(exchange(HttpMethod.GET, "/api/tags"))).isSameAs(Decision.CONTINUE);
            assertThat(h.apply(exchange(HttpMethod.POST, "/healthz"))).isSameAs(Decision.CONTINUE);
        } finally {
            upstream.close();
        }
    }

    @Test
    void corsAnswersPreflightsFromListedOriginsForRoutesThatExistOnly() {
        CorsPreflight cors = new CorsPreflight(List.of("https://chat.example.com"), ROUTES, RouteTable.publicClasses());
        Exchange ok = exchange(HttpMethod.OPTIONS, "/api/chat", "Origin", "https://chat.example.com",
                "Access-Control-Request-Method", "POST");
        Decision d = cors.apply(ok);
        assertThat(d.answer().status()).isEqualTo(204);
        assertThat(d.answer().headers()).containsEntry("Access-Control-Allow-Methods", "POST");
        Exchange admin = exchange(HttpMethod.OPTIONS, "/api/pull", "Origin", "https://chat.example.com",
                "Access-Control-Request-Method", "POST");
        assertThat(cors.apply(admin)).isSameAs(Decision.CONTINUE); // not a route served here: OPTIONS then gets 405
        Exchange other = exchange(HttpMethod.GET, "/api/tags", "Origin", "https://evil.example");
        assertThat(cors.apply(other)).isSameAs(Decision.CONTINUE);
        assertThat(other.corsOrigin()).isNull();
    }

    @Test
    void classifyRefusesUnknownPathsWrongMethodsAndUnreadableTargets() {
        Classify c = new Classify(ROUTES, RouteTable.publicClasses());
        assertThat(c.apply(exchange(HttpMethod.GET, "/api/nothing")).refusal().status()).isEqualTo(404);
        assertThat(c.apply(exchange(HttpMethod.POST, "/api/pull")).refusal().status()).as("admin: as if absent").isEqualTo(404);
        assertThat(c.apply(exchange(HttpMethod.DELETE, "/api/tags")).refusal().status()).isEqualTo(405);
        Decision bad = c.apply(exchange(HttpMethod.GET, "/api/%zz"));
        assertThat(bad.refusal().status()).isEqualTo(400);
        assertThat(bad.refusal().close()).isTrue();
    }

    @Test
    void authorizeHoldsTheScopeAgainstTheRouteClass() {
        Exchange ex = classified(HttpMethod.POST, "/api/chat");
        ex.principal(new Principal("k", "n", EnumSet.of(Scope.META), ModelPatterns.of(List.of())));
        assertThat(new Authorize().apply(ex).refusal().status()).isEqualTo(403);
        Exchange tags = classified(HttpMethod.GET, "/api/tags");
        tags.principal(new Principal("k", "n", EnumSet.of(Scope.META), ModelPatterns.of(List.of())));
        assertThat(new Authorize().apply(tags)).isSameAs(Decision.CONTINUE);
    }

    @Test
    void readBodyAsksForTheBodyOnceAndRefusesWhatCannotBeRead() {
        ReadBody r = new ReadBody(1024);
        Exchange chat = classified(HttpMethod.POST, "/api/chat", "Content-Length", "10", "Expect", "100-continue");
        assertThat(r.apply(chat)).isSameAs(Decision.READ_BODY_AFTER_CONTINUE);
        chat.body(io.netty.buffer.Unpooled.EMPTY_BUFFER);
        assertThat(r.apply(chat)).isSameAs(Decision.CONTINUE);
        assertThat(r.apply(classified(HttpMethod.POST, "/api/chat", "Content-Length", "5000")).refusal().status()).isEqualTo(413);
        assertThat(r.apply(classified(HttpMethod.GET, "/api/tags", "Content-Length", "3")).refusal().reason())
                .isEqualTo("unexpected_body");
        assertThat(r.apply(classified(HttpMethod.POST, "/api/chat", "Content-Length", "3", "Expect", "200-ok"))
                .refusal().status()).isEqualTo(417);
    }

    @Test
    void awaitSlotTakesAFreeSlotWaitsForABusyOneAndLetsGoWhenCancelled() {
        AdmissionControl admission = new AdmissionControl(SETTINGS.admission(), new LocalBuckets(), new NoBudgets(),
                java.time.Clock.systemUTC());
        FairQueue queue = new FairQueue(1, 10, 10);
        AwaitSlot step = new AwaitSlot(queue, Duration.ofSeconds(5));
        Exchange first = admitted(admission, "a");
        assertThat(step.apply(first)).isSameAs(Decision.CONTINUE);
        assertThat(queue.inUse()).isEqualTo(1);

        Exchange second = admitted(admission, "b");
        Decision waiting = step.apply(second);
        assertThat(waiting.kind()).isEqualTo(Decision.Kind.AWAIT);
        admission.settle(first.ticket(), 0); // the first ends: its slot goes to the second
        loop.runPendingTasks();
        assertThat(waiting.pending()).isCompletedWithValue(Decision.CONTINUE);

        Exchange third = admitted(admission, "c");
        Decision cancelled = step.apply(third);
        assertThat(queue.waiting()).isEqualTo(1);
        cancelled.pending().cancel(false); // the client left
        assertThat(queue.waiting()).isZero();

        Exchange fourth = admitted(admission, "d");
        Decision timedOut = step.apply(fourth);
        loop.advanceTimeBy(6, TimeUnit.SECONDS);
        loop.runScheduledPendingTasks();
        assertThat(timedOut.pending().join().refusal().reason()).isEqualTo("queue_timeout");
        admission.settle(second.ticket(), 0);
        assertThat(queue.inUse()).isZero();
    }

    Exchange admitted(AdmissionControl admission, String key) {
        Exchange ex = classified(HttpMethod.POST, "/api/chat");
        Principal p = new Principal(key, key, EnumSet.of(Scope.INFERENCE), ModelPatterns.of(List.of()), KeyLimits.DEFAULTS);
        ex.principal(p);
        ex.ticket(admission.admit(p, true, true, -1, 10).ticket());
        return ex;
    }

    static final class NoBudgets implements TokenBudgets {
        @Override
        public Reservation reserve(String keyId, long daily, long monthly, long amount, Instant now, Exceeded[] exceeded) {
            return null;
        }

        @Override
        public void settle(Reservation r, long actual) {
        }

        @Override
        public long usedToday(String keyId, Instant now) {
            return 0;
        }

        @Override
        public void evictOld(Instant now) {
        }
    }
}
