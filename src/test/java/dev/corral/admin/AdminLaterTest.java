package dev.corral.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Later answers on an EmbeddedChannel: whole or streamed, in order, the connection closed after; a caller gone runs the hooks. */
class AdminLaterTest {
    final AtomicReference<AdminReplier> replier = new AtomicReference<>();

    EmbeddedChannel channel() {
        AdminRoutes routes = new AdminRoutes().add(HttpMethod.POST, "/later", call -> AdminRoutes.Reply.later(replier::set))
                .add(HttpMethod.GET, "/now", call -> AdminRoutes.Reply.ok(JsonNodeFactory.instance.objectNode().put("now", 1)))
                .add(HttpMethod.POST, "/broken", call -> AdminRoutes.Reply.later(r -> {
                    throw new AdminError(409, "conflict");
                }));
        return new EmbeddedChannel(new AdminHandler(routes, (ch, req) -> "uid:1"));
    }

    static void send(EmbeddedChannel ch, HttpMethod method, String uri) {
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, Unpooled.EMPTY_BUFFER));
    }

    /** What went out, as text: "HEAD 200 chunked", body parts, "END"; every message released. */
    static List<String> written(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        for (Object m; (m = ch.readOutbound()) != null; ) {
            try {
                if (m instanceof HttpResponse r) {
                    out.add("HEAD " + r.status().code() + (HttpUtil.isTransferEncodingChunked(r) ? " chunked" : ""));
                }
                if (m instanceof HttpContent c && c.content().isReadable()) {
                    out.add(c.content().toString(StandardCharsets.UTF_8).strip());
                }
                if (m instanceof LastHttpContent && !(m instanceof FullHttpResponse)) {
                    out.add("END");
                }
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
        return out;
    }

    @Test
    void aStreamGoesOutInOrderAndClosesTheConnection() {
        EmbeddedChannel ch = channel();
        send(ch, HttpMethod.POST, "/later");
        assertThat(written(ch)).as("nothing until the producer speaks").isEmpty();
        AdminReplier r = replier.get();
        AtomicInteger written = new AtomicInteger();
        r.beginStream();
        r.line(JsonNodeFactory.instance.objectNode().put("status", "one"), written::incrementAndGet);
        send(ch, HttpMethod.GET, "/now"); // pipelined behind a later answer: dropped
        r.line(JsonNodeFactory.instance.objectNode().put("status", "two"), written::incrementAndGet);
        r.end();
        r.line(JsonNodeFactory.instance.objectNode().put("status", "late"), written::incrementAndGet);
        assertThat(written(ch)).containsExactly("HEAD 200 chunked", "{\"status\":\"one\"}", "{\"status\":\"two\"}", "END");
        assertThat(written.get()).as("every line's callback ran, the late one too").isEqualTo(3);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aWholeLaterReplyAndAFailingStartAreAnsweredLikeAnyOther() {
        EmbeddedChannel ch = channel();
        send(ch, HttpMethod.POST, "/later");
        replier.get().reply(AdminHandler.error(404, "model 'x' not found"));
        assertThat(written(ch)).containsExactly("HEAD 404", "{\"error\":\"model 'x' not found\"}");
        assertThat(ch.isOpen()).isFalse();

        EmbeddedChannel broken = channel();
        send(broken, HttpMethod.POST, "/broken");
        assertThat(written(broken)).containsExactly("HEAD 409", "{\"error\":\"conflict\"}");
    }

    @Test
    void theCallerGoingAwayRunsTheHooksOnceAndNothingIsWrittenAfter() {
        EmbeddedChannel ch = channel();
        send(ch, HttpMethod.POST, "/later");
        AdminReplier r = replier.get();
        AtomicInteger gone = new AtomicInteger();
        r.onGone(gone::incrementAndGet);
        r.beginStream();
        written(ch);
        ch.close();
        assertThat(gone.get()).isEqualTo(1);
        r.onGone(gone::incrementAndGet);
        assertThat(gone.get()).as("a hook added afterwards runs at once").isEqualTo(2);
        AtomicInteger next = new AtomicInteger();
        r.line(JsonNodeFactory.instance.objectNode().put("status", "x"), next::incrementAndGet);
        r.end();
        assertThat(next.get()).isEqualTo(1);
        assertThat(written(ch)).isEmpty();

        EmbeddedChannel finished = channel();
        send(finished, HttpMethod.POST, "/later");
        AtomicInteger hooks = new AtomicInteger();
        replier.get().onGone(hooks::incrementAndGet);
        replier.get().reply(AdminRoutes.Reply.ok(JsonNodeFactory.instance.objectNode()));
        written(finished);
        assertThat(hooks.get()).as("closing after the answer is not the caller going away").isZero();
    }
}
