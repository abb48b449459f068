package dev.corral.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.ConfigLoader;
import dev.corral.config.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The upstream call on EmbeddedChannels standing in for Ollama's connections: the answer handed on
 * as it comes and the connection given back, the one safe retry on a reused connection Ollama had
 * closed, never a retry once Ollama answered, the first-byte timeout, and cancellation.
 */
class UpstreamCallTest {
    static final Settings.Upstream CFG = new ConfigLoader(Map.of()).load(null, Map.of("upstream.first_byte_timeout", "2s",
            "upstream.idle_timeout", "5s")).upstream();

    /** Connections handed out in order; each is an EmbeddedChannel with the real client codec and handler. */
    final class Conns implements UpstreamConnections {
        final ArrayDeque<EmbeddedChannel> idle = new ArrayDeque<>();
        final List<EmbeddedChannel> opened = new ArrayList<>();
        final List<Channel> released = new ArrayList<>();
        final EmbeddedChannel loopOwner = new EmbeddedChannel();

        EmbeddedChannel fresh() {
            EmbeddedChannel ch = new EmbeddedChannel(new HttpClientCodec(), new UpstreamHandler(null));
            opened.add(ch);
            return ch;
        }

        @Override
        public Channel poll(EventLoop loop) {
            return idle.poll();
        }

        @Override
        public ChannelFuture connect(EventLoop loop) {
            return fresh().newSucceededFuture();
        }

        @Override
        public void release(Channel ch) {
            released.add(ch);
        }
    }

    final class Seen implements UpstreamCall.Listener {
        HttpResponse head;
        final StringBuilder body = new StringBuilder();
        boolean last;
        UpstreamCall.Failure failure;

        @Override
        public void onResponse(HttpResponse h) {
            head = h;
        }

        @Override
        public void onContent(HttpContent c) {
            body.append(c.content().toString(StandardCharsets.UTF_8));
            last |= c instanceof LastHttpContent;
            c.release();
        }

        @Override
        public void onReadComplete() {
        }

        @Override
        public void onFailure(UpstreamCall.Failure f, Throwable cause) {
            failure = f;
        }
    }

    final Conns conns = new Conns();
    final Seen seen = new Seen();
    final UpstreamHealth health = new UpstreamHealth(CFG);

    @AfterEach
    void close() {
        conns.opened.forEach(EmbeddedChannel::finishAndReleaseAll);
        conns.loopOwner.finishAndReleaseAll();
        health.close();
    }

    UpstreamCall call() {
        return new UpstreamCall(conns, health, CFG, conns.loopOwner.eventLoop(), seen);
    }

    static FullHttpRequest request() {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/chat",
                Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
    }

    static void answer(EmbeddedChannel ch, String raw) {
        ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    }

    static String sent(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            sb.append(((ByteBuf) o).toString(StandardCharsets.ISO_8859_1));
            ((ByteBuf) o).release();
        }
        return sb.toString();
    }

    @Test
    void theAnswerIsHandedOnAsItComesAndTheConnectionGoesBackToThePool() {
        call().start(request());
        EmbeddedChannel ch = conns.opened.get(0);
        assertThat(sent(ch)).startsWith("POST /api/chat HTTP/1.1").endsWith("{}");
        answer(ch, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        assertThat(seen.head.status().code()).isEqualTo(200); // the interim 100 is not passed on
        assertThat(seen.body).hasToString("abc");
        assertThat(conns.released).isEmpty();
        answer(ch, "0\r\n\r\n");
        assertThat(seen.last).isTrue();
        assertThat(conns.released).containsExactly(ch);
        assertThat(seen.failure).isNull();
    }

    @Test
    void aReusedConnectionOllamaHadClosedIsRetriedOnceOnAFreshOne() {
        EmbeddedChannel stale = conns.fresh();
        conns.idle.add(stale);
        call().start(request());
        assertThat(sent(stale)).startsWith("POST");
        stale.close(); // Ollama had closed it: nothing came back
        assertThat(conns.opened).hasSize(2);
        EmbeddedChannel fresh = conns.opened.get(1);
        assertThat(sent(fresh)).as("the same request again").startsWith("POST /api/chat").endsWith("{}");
        fresh.close(); // a fresh connection failing is not retried
        assertThat(conns.opened).hasSize(2);
        assertThat(seen.failure).isEqualTo(UpstreamCall.Failure.CLOSED_BEFORE_RESPONSE);
    }

    @Test
    void nothingIsSentTwiceOnceOllamaAnswered() {
        EmbeddedChannel reused = conns.fresh();
        conns.idle.add(reused);
        call().start(request());
        answer(reused, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        reused.close();
        assertThat(conns.opened).hasSize(1);
        assertThat(seen.failure).isEqualTo(UpstreamCall.Failure.CLOSED_MID_RESPONSE);
    }

    @Test
    void ollamaSilentPastTheFirstByteTimeoutEndsTheCallAndClosesTheConnection() {
        call().start(request());
        EmbeddedChannel ch = conns.opened.get(0);
        conns.loopOwner.advanceTimeBy(3, TimeUnit.SECONDS);
        conns.loopOwner.runScheduledPendingTasks();
        assertThat(seen.failure).isEqualTo(UpstreamCall.Failure.FIRST_BYTE_TIMEOUT);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void cancellingClosesTheConnectionAtOnceAndNothingMoreIsReported() {
        UpstreamCall c = call();
        c.start(request());
        EmbeddedChannel ch = conns.opened.get(0);
        answer(ch, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        c.cancel();
        assertThat(ch.isOpen()).isFalse();
        assertThat(seen.failure).isNull();
        assertThat(conns.released).isEmpty();
        c.cancel(); // twice is harmless
    }
}
