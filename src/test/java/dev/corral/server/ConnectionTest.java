package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.ConfigLoader;
import dev.corral.config.Settings;
import dev.corral.pipeline.ClientSink;
import dev.corral.pipeline.Decision;
import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.ExchangeListener;
import dev.corral.pipeline.Forwarder;
import dev.corral.pipeline.Forwarding;
import dev.corral.pipeline.LocalAnswer;
import dev.corral.pipeline.ReadBody;
import dev.corral.pipeline.RequestPath;
import dev.corral.pipeline.Step;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import dev.corral.route.RouteMatch;
import dev.corral.route.RouteTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The connection state machine on an EmbeddedChannel, with steps and a forwarder made for each
 * test: pipelining in order, refusals before and after the body, the body limit, waits completed
 * and cancelled, local answers that are not exchanges, framing and keep-alive of forwarded
 * answers, the header and keep-alive timers, and exactly one settlement per exchange.
 */
class ConnectionTest {
    static final Settings SETTINGS = new ConfigLoader(Map.of()).load(null, Map.of("limits.max_body_bytes", "1KiB",
            "limits.header_timeout", "2s", "limits.keepalive_timeout", "5s"));
    static final RouteTable ROUTES = RouteTable.ollama();

    final List<Exchange> settled = new ArrayList<>();
    final ExchangeListener recorder = settled::add;

    /** A step that classifies the request against Ollama's routes (so refusals have a dialect). */
    static final Step CLASSIFY = ex -> {
        ex.match(ROUTES.classify(ex.request().method(), ex.request().uri(), RouteTable.publicClasses()));
        return ex.match().kind() == RouteMatch.Kind.FOUND ? Decision.CONTINUE
                : Decision.refuse(Refusal.of(RefusalKind.NOT_FOUND, "no_route", "404 page not found"));
    };

    static final Forwarding NOTHING = new Forwarding() {
        @Override
        public void clientWritable(boolean writable) {
        }

        @Override
        public void clientGone() {
        }
    };

    /** A forwarder that answers every request at once with a streamed 200 of the request's body. */
    static final Forwarder ECHO = (ex, sink) -> {
        sink.head(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK), false);
        sink.content(new DefaultHttpContent(Unpooled.copiedBuffer("echo:", StandardCharsets.UTF_8)));
        ByteBuf b = ex.body() == null ? Unpooled.EMPTY_BUFFER : ex.body().retainedDuplicate();
        sink.last(new DefaultLastHttpContent(b));
        return NOTHING;
    };

    EmbeddedChannel channel(Forwarder forwarder, Step... steps) {
        List<Step> all = new ArrayList<>(List.of(CLASSIFY));
        all.addAll(List.of(steps));
        all.add(new ReadBody(SETTINGS.maxBodyBytes()));
        RequestPath path = new RequestPath(all, forwarder, List.of(recorder));
        return new EmbeddedChannel(new HttpRequestDecoder(), new HttpResponseEncoder(),
                new Connection(new Listener(SETTINGS, path, null, Clock.systemUTC())));
    }

    static void send(EmbeddedChannel ch, String raw) {
        ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    }

    /** Everything written to the client so far, as text. */
    static String written(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    static final String GET = "GET /api/version HTTP/1.1\r\nHost: x\r\n\r\n";

    @Test
    void pipelinedRequestsAreAnsweredInOrderAndEachSettledOnce() {
        EmbeddedChannel ch = channel(ECHO);
        send(ch, GET + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" + "POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
        String out = written(ch);
        int first = out.indexOf("HTTP/1.1 200");
        int second = out.indexOf("HTTP/1.1 404");
        int third = out.indexOf("HTTP/1.1 200", second);
        assertThat(first).isGreaterThanOrEqualTo(0);
        assertThat(second).isGreaterThan(first);
        assertThat(third).isGreaterThan(second);
        assertThat(out).contains("echo:").contains("\r\nhi\r\n").contains("transfer-encoding: chunked");
        assertThat(settled).hasSize(3);
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void aRefusalBeforeABodyIsReadClosesTheConnection() {
        EmbeddedChannel ch = channel(ECHO);
        send(ch, "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" + GET);
        String out = written(ch);
        assertThat(out).startsWith("HTTP/1.1 404").contains("connection: close");
        assertThat(out).doesNotContain("HTTP/1.1 200"); // nothing after the refused request is read
        assertThat(ch.isOpen()).isFalse();
        assertThat(settled).hasSize(1);
        ch.finishAndReleaseAll();
    }

    @Test
    void aBodyOverTheLimitIsRefusedWhileReadingAndNothingLeaks() {
        EmbeddedChannel ch = channel(ECHO);
        String chunk = "a".repeat(600);
        send(ch, "POST /api/chat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n"
                + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n");
        assertThat(written(ch)).startsWith("HTTP/1.1 413").contains("connection: close");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aWaitContinuesWhenItsFutureCompletesAndPipelinedRequestsWaitBehindIt() {
        CompletableFuture<Decision> slot = new CompletableFuture<>();
        Step await = ex -> ex.request().method().equals(HttpMethod.POST) ? Decision.await(slot) : Decision.CONTINUE;
        EmbeddedChannel ch = channel(ECHO, await);
        send(ch, "POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n" + GET);
        assertThat(written(ch)).isEmpty();
        slot.complete(Decision.CONTINUE);
        ch.runPendingTasks();
        String out = written(ch);
        assertThat(out.indexOf("HTTP/1.1 200")).isGreaterThanOrEqualTo(0);
        assertThat(out.lastIndexOf("HTTP/1.1 200")).isGreaterThan(out.indexOf("HTTP/1.1 200"));
        assertThat(settled).hasSize(2);
        ch.finishAndReleaseAll();
    }

    @Test
    void aClientLeavingWhileItWaitsCancelsTheWaitAndEndsTheExchangeOnce() {
        CompletableFuture<Decision> slot = new CompletableFuture<>();
        EmbeddedChannel ch = channel(ECHO, ex -> Decision.await(slot));
        send(ch, GET);
        ch.close();
        assertThat(slot.isCancelled()).isTrue();
        assertThat(settled).hasSize(1);
        assertThat(settled.get(0).tally().status()).isEqualTo(499);
        ch.finishAndReleaseAll();
    }

    @Test
    void aLocalAnswerIsWrittenButIsNotAnExchange() {
        Step health = ex -> Decision.answer(new LocalAnswer(200, Map.of("Content-Type", "application/json"),
                "{}".getBytes(StandardCharsets.UTF_8), false));
        EmbeddedChannel ch = channel(ECHO, health);
        send(ch, GET);
        assertThat(written(ch)).startsWith("HTTP/1.1 200").contains("content-length: 2").endsWith("{}");
        assertThat(settled).isEmpty();
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void anHttp10ClientGetsAnAnswerEndedByClosing() {
        EmbeddedChannel ch = channel(ECHO);
        send(ch, "GET /api/version HTTP/1.0\r\n\r\n");
        String out = written(ch);
        assertThat(out).contains("connection: close").doesNotContain("chunked").contains("echo:");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aStreamCutByOllamaAbortsTheConnectionAfterTheHead() {
        Forwarder cut = (ex, sink) -> {
            sink.head(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK), false);
            sink.abort(dev.corral.pipeline.Outcome.UPSTREAM_ERROR, "upstream_closed_mid_response");
            return NOTHING;
        };
        EmbeddedChannel ch = channel(cut);
        send(ch, GET);
        assertThat(ch.isOpen()).isFalse();
        assertThat(settled).hasSize(1);
        assertThat(settled.get(0).tally().reason()).isEqualTo("upstream_closed_mid_response");
        ch.finishAndReleaseAll();
    }

    @Test
    void unfinishedHeadersGet408AndAnIdleConnectionIsClosed() {
        EmbeddedChannel slow = channel(ECHO);
        slow.pipeline().addFirst(new ByteWatch(slow.pipeline().get(Connection.class)));
        send(slow, "GET /api/version HTTP/1.1\r\nHo");
        slow.advanceTimeBy(3, TimeUnit.SECONDS);
        slow.runScheduledPendingTasks();
        assertThat(written(slow)).startsWith("HTTP/1.1 408");
        assertThat(slow.isOpen()).isFalse();
        slow.finishAndReleaseAll();

        EmbeddedChannel idle = channel(ECHO);
        send(idle, GET);
        written(idle);
        idle.advanceTimeBy(6, TimeUnit.SECONDS);
        idle.runScheduledPendingTasks();
        assertThat(idle.isOpen()).isFalse();
        idle.finishAndReleaseAll();
    }

    @Test
    void theIdleTimeoutCountsFromTheLastAnswerNotFromTheFirstWait() {
        EmbeddedChannel ch = channel(ECHO);
        ch.pipeline().addFirst(new ByteWatch(ch.pipeline().get(Connection.class)));
        ch.advanceTimeBy(4, TimeUnit.SECONDS); // idle since it opened: 4 of its 5 s
        ch.runScheduledPendingTasks();
        send(ch, GET);
        assertThat(written(ch)).startsWith("HTTP/1.1 200");
        ch.advanceTimeBy(2, TimeUnit.SECONDS); // past the first wait's deadline, 2 s after the answer
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("closed by the first wait's timer").isTrue();
        send(ch, "GET /api/version HTTP/1.1\r\nHo"); // a request's first bytes: the header clock (2 s) starts
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(written(ch)).startsWith("HTTP/1.1 408");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }
}
