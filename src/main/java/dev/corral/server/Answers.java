package dev.corral.server;

import dev.corral.pipeline.ClientSink;
import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.Forwarding;
import dev.corral.pipeline.LocalAnswer;
import dev.corral.pipeline.Outcome;
import dev.corral.pipeline.ReadBody;
import dev.corral.pipeline.RequestPath;
import dev.corral.refusal.Refusal;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the answer to a connection's current exchange, whichever kind it is (a refusal, a local
 * answer, or, as the {@link ClientSink} of a forwarded exchange, Ollama's answer), and ends the
 * exchange exactly once, telling the path's settle listeners. What the connection does next (read
 * the next request, skip the rest of this one, close) it is told through {@link Next}.
 */
final class Answers implements ClientSink {
    private static final Logger log = LoggerFactory.getLogger(Answers.class);

    /** The connection's part once an answer is out. */
    interface Next {
        /** Ready for the next request. */
        void idle();

        /** Answered before the request was read to its end: drop the rest of it, then be idle. */
        void skipRest();

        /** Close the connection now. */
        void close();

        /** The answer being written is the connection's last: drop everything else; it closes once written. */
        void lastAnswer();

        boolean closing();
    }

    private final ChannelHandlerContext ctx;
    private final ByteBufAllocator alloc;
    private RequestPath path;
    private final Next next;
    private Exchange exchange;
    private Forwarding forwarding;
    private boolean keepAliveAfter;
    /** The HTTP codec's context, under which the chunks of a chunked answer are written framed (ChunkFrames). */
    private final ChannelHandlerContext codec;
    private boolean framing;
    /**
     * A head with a Content-Length, held until its body comes or the read batch from Ollama ends: a
     * small answer (a version, a model's details) then leaves as one buffer, head and body together.
     */
    private HttpResponse heldHead;

    Answers(ChannelHandlerContext ctx, Next next) {
        this.ctx = ctx;
        this.alloc = ctx.alloc();
        this.codec = ctx.pipeline().context(ChannelSetup.HTTP_CODEC); // before this handler (ChannelSetup)
        this.next = next;
    }

    /** The exchange now in progress, on the path it runs on. */
    void begin(Exchange ex, RequestPath on) {
        exchange = ex;
        path = on;
        forwarding = null;
        heldHead = null;
    }

    Exchange current() {
        return exchange;
    }

    void forward() {
        forwarding = path.forward(exchange, this);
    }

    Forwarding forwarding() {
        return forwarding;
    }

    /** A local answer (health, preflight): not an exchange, so no usage record and no access-log line. */
    void answer(LocalAnswer a) {
        Exchange ex = exchange;
        exchange = null;
        path.discard(ex);
        boolean keepAlive = Responses.keepAlive(ex.request(), a.close());
        write(Responses.answer(ctx.alloc(), ex, a, keepAlive), keepAlive, true);
    }

    /** Refuses in the client's dialect; a refusal before the request's body was read closes if one follows. */
    @Override
    public void refuse(Refusal refusal, Outcome outcome) {
        forwarding = null;
        Exchange ex = exchange;
        boolean unread = !ex.bodyRead();
        Refusal r = unread && ReadBody.hasBody(ex.request()) ? refusal.closing() : refusal;
        boolean keepAlive = Responses.keepAlive(ex.request(), r.close());
        FullHttpResponse resp = Responses.refusal(ctx.alloc(), ex, r, keepAlive);
        ex.tally().status(r.status());
        ex.tally().addBytesOut(resp.content().readableBytes());
        finish(outcome, r.status(), r.reason());
        if (r.status() >= 500) {
            log.warn("request {} failed: {} {}", ex.requestId(), r.status(), r.reason());
        } else {
            log.debug("request {} refused: {} {}", ex.requestId(), r.status(), r.reason());
        }
        write(resp, keepAlive, unread);
    }

    private void write(FullHttpResponse resp, boolean keepAlive, boolean unread) {
        if (!keepAlive) {
            next.lastAnswer();
            ctx.writeAndFlush(resp).addListener((ChannelFutureListener) LingeringClose::after);
            return;
        }
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        if (unread) {
            next.skipRest();
        } else {
            next.idle();
        }
    }

    @Override
    public ByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    public void head(HttpResponse head, boolean bodyless) {
        keepAliveAfter = Responses.frame(head, exchange, bodyless, next.closing());
        framing = codec != null && ChunkFrames.applies(head, exchange.request().method(), bodyless);
        if (!bodyless && !framing && HttpUtil.isContentLengthSet(head)) {
            heldHead = head;
            return;
        }
        ctx.write(head, ctx.voidPromise());
    }

    private void writeHeldHead() {
        if (heldHead != null) {
            ctx.write(heldHead, ctx.voidPromise());
            heldHead = null;
        }
    }

    @Override
    public void content(HttpContent part) {
        writeHeldHead();
        if (framing) {
            ChunkFrames.write(codec, part.content());
        } else {
            ctx.write(part, ctx.voidPromise());
        }
    }

    @Override
    public void last(HttpContent part) {
        Exchange ex = exchange;
        HttpObject end = part;
        boolean noTrailers = part instanceof LastHttpContent l && l.trailingHeaders().isEmpty();
        if (heldHead != null && noTrailers) {
            end = Responses.full(heldHead, part.content());
            heldHead = null;
        } else if (framing && noTrailers) {
            ChunkFrames.write(codec, part.content()); // the encoder then writes only the terminating chunk
            end = LastHttpContent.EMPTY_LAST_CONTENT;
        }
        writeHeldHead();
        framing = false;
        ctx.writeAndFlush(end).addListener(f -> completed(ex, f.isSuccess()));
    }

    @Override
    public void full(HttpResponse head, ByteBuf content) {
        Exchange ex = exchange;
        FullHttpResponse resp = Responses.full(head, content);
        keepAliveAfter = Responses.frame(resp, ex, false, next.closing());
        ctx.writeAndFlush(resp).addListener(f -> completed(ex, f.isSuccess()));
    }

    @Override
    public void flush() {
        writeHeldHead();
        ctx.flush();
    }

    @Override
    public void abort(Outcome outcome, String reason) {
        forwarding = null;
        heldHead = null;
        finish(outcome, 0, reason);
        next.close();
    }

    private void completed(Exchange ex, boolean written) {
        if (exchange != ex) {
            return;
        }
        forwarding = null;
        if (!written) {
            finish(Outcome.CLIENT_GONE, 499, "client_write_failed");
            next.close();
            return;
        }
        finish(Outcome.COMPLETED, 0, null);
        if (keepAliveAfter && !next.closing()) {
            next.idle();
        } else {
            next.close();
        }
    }

    /** The client went away: stop Ollama's work, and end the exchange as the client's doing. */
    void clientGone() {
        Forwarding f = forwarding;
        forwarding = null;
        if (f != null) {
            f.clientGone();
        }
        if (exchange != null && !exchange.tally().finished()) {
            finish(Outcome.CLIENT_GONE, 499, "client_closed");
        }
    }

    private void finish(Outcome outcome, int status, String reason) {
        Exchange ex = exchange;
        if (ex != null && ex.finish(outcome, status, reason)) {
            path.settle(ex);
        }
    }
}
