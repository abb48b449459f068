package dev.corral.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.ConfigLoader;
import dev.corral.config.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When an upstream call asks its {@link Failover} for another node, on EmbeddedChannels standing in
 * for the nodes' connections: when no connection could be made, and when the connection failed
 * before the request was written whole; never once it was written (then Ollama may be working on it).
 */
class UpstreamFailoverTest {
    static final Settings.Upstream CFG = new ConfigLoader(Map.of()).load(null, Map.of("upstream.first_byte_timeout", "2s")).upstream();

    /** How a node's connections behave. */
    enum Kind { REFUSES, RESETS_WHILE_WRITING, TAKES_THE_REQUEST }

    /** One node: its connections, what reached it whole, and what it was told of its health. */
    final class FakeNode implements UpstreamConnections, UpstreamReports {
        final Kind kind;
        final List<EmbeddedChannel> opened = new ArrayList<>();
        final StringBuilder received = new StringBuilder();
        int unreachable;
        final List<Integer> answered = new ArrayList<>();

        FakeNode(Kind kind) {
            this.kind = kind;
        }

        @Override
        public Channel poll(EventLoop loop) {
            return null;
        }

        @Override
        public ChannelFuture connect(EventLoop loop) {
            EmbeddedChannel ch = new EmbeddedChannel();
            opened.add(ch);
            if (kind == Kind.REFUSES) {
                return ch.newFailedFuture(new ConnectException("Connection refused"));
            }
            if (kind == Kind.RESETS_WHILE_WRITING) {
                ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
                    @Override
                    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                        ReferenceCountUtil.release(msg);
                        promise.setFailure(new IOException("Connection reset by peer"));
                    }
                });
            }
            ch.pipeline().addLast(new HttpClientCodec(), new UpstreamHandler(null));
            return ch.newSucceededFuture();
        }

        @Override
        public void release(Channel ch) {
        }

        @Override
        public void answered(int status) {
            answered.add(status);
        }

        @Override
        public void unreachable(Throwable cause) {
            unreachable++;
        }

        /** What reached the node whole (the outbound bytes of its connections). */
        String sent() {
            for (EmbeddedChannel ch : opened) {
                Object o;
                while ((o = ch.readOutbound()) != null) {
                    received.append(((ByteBuf) o).toString(StandardCharsets.ISO_8859_1));
                    ((ByteBuf) o).release();
                }
            }
            return received.toString();
        }

        Failover.Next next() {
            return new Failover.Next(this, this, "node-" + kind + ":11434");
        }
    }

    final class Seen implements UpstreamCall.Listener {
        HttpResponse head;
        UpstreamCall.Failure failure;

        @Override
        public void onResponse(HttpResponse h) {
            head = h;
        }

        @Override
        public void onContent(HttpContent c) {
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

    final EmbeddedChannel loopOwner = new EmbeddedChannel();
    final Seen seen = new Seen();
    final List<FakeNode> nodes = new ArrayList<>();
    int asked;

    @AfterEach
    void close() {
        nodes.forEach(n -> n.opened.forEach(EmbeddedChannel::finishAndReleaseAll));
        loopOwner.finishAndReleaseAll();
    }

    /** A call to {@code first} whose failover offers {@code then}, once. */
    UpstreamCall call(FakeNode first, FakeNode then) {
        nodes.add(first);
        nodes.add(then);
        return new UpstreamCall(first, first, CFG, loopOwner.eventLoop(), seen).failover(cause -> {
            asked++;
            return asked == 1 ? then.next() : null;
        });
    }

    static DefaultFullHttpRequest request() {
        DefaultFullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/chat",
                Unpooled.copiedBuffer("{\"model\":\"m\"}", StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.HOST, "first:11434").setInt(HttpHeaderNames.CONTENT_LENGTH, 13);
        return r;
    }

    @Test
    void aRefusedConnectionGoesToTheNextNodeWithItsHost() {
        FakeNode refuses = new FakeNode(Kind.REFUSES);
        FakeNode takes = new FakeNode(Kind.TAKES_THE_REQUEST);
        call(refuses, takes).start(request());
        loopOwner.runPendingTasks();
        assertThat(asked).isEqualTo(1);
        assertThat(refuses.unreachable).isEqualTo(1);
        assertThat(takes.sent()).startsWith("POST /api/chat HTTP/1.1").contains("host: node-TAKES_THE_REQUEST:11434")
                .endsWith("{\"model\":\"m\"}");
        takes.opened.get(0).writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
                StandardCharsets.ISO_8859_1));
        assertThat(seen.head.status().code()).isEqualTo(200);
        assertThat(takes.answered).containsExactly(200);
        assertThat(seen.failure).isNull();
    }

    @Test
    void aConnectionResetBeforeTheRequestWasWrittenGoesToTheNextNode() {
        FakeNode resets = new FakeNode(Kind.RESETS_WHILE_WRITING);
        FakeNode takes = new FakeNode(Kind.TAKES_THE_REQUEST);
        call(resets, takes).start(request());
        resets.opened.get(0).runPendingTasks();
        loopOwner.runPendingTasks();
        assertThat(resets.sent()).as("nothing reached it whole").isEmpty();
        assertThat(asked).isEqualTo(1);
        assertThat(resets.unreachable).isEqualTo(1);
        assertThat(takes.sent()).startsWith("POST /api/chat HTTP/1.1").endsWith("{\"model\":\"m\"}");
        assertThat(seen.failure).isNull();
    }

    @Test
    void aRequestWrittenWholeIsNeverSentAgainWhateverHappensNext() {
        FakeNode takes = new FakeNode(Kind.TAKES_THE_REQUEST);
        FakeNode other = new FakeNode(Kind.TAKES_THE_REQUEST);
        call(takes, other).start(request());
        assertThat(takes.sent()).endsWith("{\"model\":\"m\"}");
        takes.opened.get(0).close(); // closed before any answer: Ollama may have started
        loopOwner.runPendingTasks();
        assertThat(asked).isZero();
        assertThat(other.opened).isEmpty();
        assertThat(seen.failure).isEqualTo(UpstreamCall.Failure.CLOSED_BEFORE_RESPONSE);
    }

    @Test
    void whenTheFailoverHasNoOtherNodeTheCallFailsAsWithOneOllama() {
        FakeNode refuses = new FakeNode(Kind.REFUSES);
        FakeNode alsoRefuses = new FakeNode(Kind.REFUSES);
        call(refuses, alsoRefuses).start(request());
        loopOwner.runPendingTasks();
        assertThat(asked).isEqualTo(2);
        assertThat(alsoRefuses.unreachable).isEqualTo(1);
        assertThat(seen.failure).isEqualTo(UpstreamCall.Failure.CONNECT);
    }
}
