package dev.corral.server;

import dev.corral.pipeline.ClientSink;
import dev.corral.pipeline.Decision;
import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.Forwarding;
import dev.corral.pipeline.Outcome;
import dev.corral.pipeline.ReadBody;
import dev.corral.pipeline.RequestPath;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: runs each request through the {@link RequestPath} and carries out every
 * {@link Decision} (read the body, refuse, answer, wait, forward); then, as the {@link ClientSink}
 * of a forwarded exchange, writes the answer. Requests are taken one at a time: pipelined ones
 * wait in order in a backlog (with reading paused) until the current one is answered. Owns the
 * request body and every message it has not passed on, and releases them on every path. The
 * exchange ends exactly once, and the path's settle listeners hear of it then.
 */
final class Connection extends ChannelInboundHandlerAdapter implements ClientSink {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    private enum State {
        /** Waiting for a request's head. */
        IDLE,
        /** Reading a body a step asked for. */
        BODY,
        /** Waiting, forwarding or writing the answer: further messages wait in the backlog. */
        BUSY,
        /** Answered early: dropping the rest of this request until its last part. */
        SKIP,
        /** The connection is being closed: everything is dropped. */
        CLOSING
    }

    private final Listener listener;
    private final RequestPath path;
    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    private final ConnectionTimers timers;
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private Exchange exchange;
    private int resumeAt;
    private CompositeByteBuf body;
    private CompletableFuture<Decision> pending;
    private Forwarding forwarding;
    private boolean replaying;
    /** Whether the forwarded answer in progress leaves the connection open (decided when its head is written). */
    private boolean keepAliveAfter;

    Connection(Listener listener) {
        this.listener = listener;
        this.path = listener.path();
        this.timers = new ConnectionTimers(listener.settings(), this::headerTimedOut, this::bodyTimedOut, this::idleTimedOut);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timers.keepAlive(ctx.executor());
        ctx.fireChannelActive();
    }

    /** Raw bytes arrived ({@link ByteWatch}): the first byte of a request starts the header clock. */
    void onBytes() {
        if (state == State.IDLE) {
            timers.headerStarted(ctx.executor());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.CLOSING) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (state == State.BUSY || (!replaying && !backlog.isEmpty())) {
            backlog.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        handle(msg);
    }

    private void handle(Object msg) {
        try {
            if (msg instanceof HttpRequest req) {
                onRequest(req);
            }
            if (msg instanceof HttpContent c && state != State.CLOSING) {
                onContent(c);
            } else {
                ReferenceCountUtil.release(msg);
            }
        } catch (RuntimeException e) {
            ReferenceCountUtil.safeRelease(msg);
            internalError(e);
        }
    }

    private void onRequest(HttpRequest req) {
        if (state != State.IDLE) {
            closeNow();
            return;
        }
        timers.cancel();
        exchange = new Exchange(listener.newRequestId(), listener.clock().instant(), System.nanoTime(), req,
                Peers.address(ctx.channel()), Peers.certificate(ctx.pipeline()), ctx.channel().eventLoop());
        state = State.BUSY;
        run(0);
    }

    /** Runs the steps from {@code from} and carries out where they stop. */
    private void run(int from) {
        carry(path.run(exchange, from));
    }

    private void carry(RequestPath.Progress p) {
        if (p.complete()) {
            forwarding = path.forward(exchange, this);
            return;
        }
        Decision d = p.decision();
        switch (d.kind()) {
            case READ_BODY -> {
                resumeAt = p.next();
                state = State.BODY;
                if (d.sendContinue()) {
                    ctx.writeAndFlush(Responses.continue100(ctx.alloc()));
                }
                timers.body(ctx.executor());
            }
            case REFUSE -> respond(d.refusal(), Outcome.REFUSED);
            case ANSWER -> answer(d);
            case AWAIT -> await(d.pending(), p.next());
            default -> throw new IllegalStateException("a step decided " + d.kind() + " at the end of a run");
        }
    }

    private void await(CompletableFuture<Decision> f, int next) {
        Exchange ex = exchange;
        pending = f;
        f.whenComplete((d, e) -> {
            if (ctx.executor().inEventLoop()) {
                resumed(ex, f, d, e, next);
            } else {
                ctx.executor().execute(() -> resumed(ex, f, d, e, next));
            }
        });
    }

    private void resumed(Exchange ex, CompletableFuture<Decision> f, Decision d, Throwable e, int next) {
        if (exchange != ex || pending != f || ex.tally().finished() || e instanceof CancellationException) {
            return; // the client left while waiting; the step let go of what it waited for
        }
        pending = null;
        if (e != null) {
            internalError(new IllegalStateException("a wait failed", e));
        } else if (d.kind() == Decision.Kind.CONTINUE) {
            run(next);
        } else {
            carry(new RequestPath.Progress(d, next));
        }
    }

    private void onContent(HttpContent c) {
        if (state == State.SKIP) {
            boolean last = c instanceof LastHttpContent;
            c.release();
            if (last) {
                becomeIdle();
            }
        } else if (state == State.BODY) {
            readBody(c);
        } else {
            c.release();
        }
    }

    private void readBody(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            c.release();
            // In a body, even a too-long line is a malformed chunk, not a long URI.
            respond(Refusal.of(RefusalKind.BAD_REQUEST, "malformed_body", "malformed request body framing").closing(), Outcome.REFUSED);
            return;
        }
        int n = c.content().readableBytes();
        long max = path.maxBodyBytes();
        if ((body == null ? 0L : body.readableBytes()) + n > max) {
            c.release();
            respond(Refusal.of(RefusalKind.PAYLOAD_TOO_LARGE, "body_too_large", "request body is larger than " + max + " bytes")
                    .closing(), Outcome.REFUSED);
            return;
        }
        exchange.tally().addBytesIn(n);
        boolean last = c instanceof LastHttpContent;
        if (n > 0) {
            if (body == null) {
                body = ctx.alloc().compositeBuffer(1024);
            }
            body.addComponent(true, c.content()); // takes over c's reference
        } else {
            c.release();
        }
        if (last) {
            timers.cancel();
            state = State.BUSY;
            exchange.body(body == null ? io.netty.buffer.Unpooled.EMPTY_BUFFER : body);
            run(resumeAt);
        }
    }

    // ---- answers that end the exchange here ----

    /** Refuses the exchange in its dialect; a refusal before the request's body was read closes if one follows. */
    private void respond(Refusal refusal, Outcome outcome) {
        Exchange ex = exchange;
        boolean unread = !ex.bodyRead(); // the request's body (or its end) is still to come
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

    /** A local answer (health, preflight): not an exchange, so no usage record and no access-log line. */
    private void answer(Decision d) {
        Exchange ex = exchange;
        boolean keepAlive = Responses.keepAlive(ex.request(), d.answer().close());
        FullHttpResponse resp = Responses.answer(ctx.alloc(), ex, d.answer(), keepAlive);
        exchange = null;
        write(resp, keepAlive, true);
    }

    private void write(FullHttpResponse resp, boolean keepAlive, boolean unread) {
        if (!keepAlive) {
            state = State.CLOSING;
            releaseBody();
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        if (unread) {
            state = State.SKIP; // the rest of the request is still arriving; its last part makes the connection idle
        } else {
            becomeIdle();
        }
    }

    // ---- the client sink of a forwarded exchange ----

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public void head(HttpResponse head, boolean bodyless) {
        keepAliveAfter = Responses.frame(head, exchange, bodyless, state == State.CLOSING);
        ctx.write(head, ctx.voidPromise());
    }

    @Override
    public void content(HttpContent part) {
        ctx.write(part, ctx.voidPromise());
    }

    @Override
    public void last(HttpContent part) {
        Exchange ex = exchange;
        ctx.writeAndFlush(part).addListener(f -> completed(ex, f.isSuccess()));
    }

    @Override
    public void full(HttpResponse head, ByteBuf content) {
        Exchange ex = exchange;
        FullHttpResponse resp = Responses.full(head, content);
        keepAliveAfter = Responses.frame(resp, ex, false, state == State.CLOSING);
        ctx.writeAndFlush(resp).addListener(f -> completed(ex, f.isSuccess()));
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void refuse(Refusal refusal, Outcome outcome) {
        forwarding = null;
        respond(refusal, outcome);
    }

    @Override
    public void abort(Outcome outcome, String reason) {
        forwarding = null;
        finish(outcome, 0, reason);
        closeNow();
    }

    private void completed(Exchange ex, boolean written) {
        if (exchange != ex) {
            return;
        }
        forwarding = null;
        if (!written) {
            finish(Outcome.CLIENT_GONE, 499, "client_write_failed");
            closeNow();
            return;
        }
        finish(Outcome.COMPLETED, 0, null);
        if (keepAliveAfter && state != State.CLOSING) {
            becomeIdle();
        } else {
            closeNow();
        }
    }

    // ---- lifecycle ----

    private void finish(Outcome outcome, int status, String reason) {
        Exchange ex = exchange;
        if (ex != null && ex.finish(outcome, status, reason)) {
            path.settle(ex);
        }
    }

    private void becomeIdle() {
        releaseBody();
        exchange = null;
        state = State.IDLE;
        timers.keepAlive(ctx.executor());
        if (backlog.isEmpty()) {
            return;
        }
        replaying = true;
        try {
            while (!backlog.isEmpty() && (state == State.IDLE || state == State.BODY || state == State.SKIP)) {
                handle(backlog.poll());
            }
        } finally {
            replaying = false;
        }
        if (backlog.isEmpty() && state != State.CLOSING) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Forwarding f = forwarding;
        if (f != null) {
            f.clientWritable(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timers.cancel();
        CompletableFuture<Decision> p = pending;
        pending = null;
        if (p != null) {
            p.cancel(false); // leaves the queue at once; a grant racing us is given back by the ticket
        }
        Forwarding f = forwarding;
        forwarding = null;
        if (f != null) {
            f.clientGone();
        }
        if (exchange != null && !exchange.tally().finished()) {
            finish(Outcome.CLIENT_GONE, 499, "client_closed");
        }
        state = State.CLOSING;
        releaseBody();
        Object m;
        while ((m = backlog.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof javax.net.ssl.SSLException
                || cause.getCause() instanceof javax.net.ssl.SSLException) {
            // a client gone, or bytes that are not TLS (scanners): one debug line, not a stack trace per probe
            log.debug("client connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("client connection {} failed", ctx.channel().remoteAddress(), cause);
        }
        closeNow();
    }

    private void internalError(RuntimeException e) {
        log.error("internal error on request {}", exchange == null ? "-" : exchange.requestId(), e);
        if (exchange != null && !exchange.tally().finished() && state != State.CLOSING && forwarding == null) {
            respond(Refusal.of(RefusalKind.INTERNAL, "internal_error", "internal error in the gateway").closing(),
                    Outcome.INTERNAL_ERROR);
        } else {
            closeNow();
        }
    }

    private void headerTimedOut() {
        if (state == State.IDLE) {
            state = State.CLOSING; // a request that never finished its headers (slowloris): 408 and close
            ctx.writeAndFlush(Responses.headerTimeout(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void bodyTimedOut() {
        if (state == State.BODY) {
            respond(Refusal.of(RefusalKind.REQUEST_TIMEOUT, "body_timeout", "request body not received in time").closing(),
                    Outcome.REFUSED);
        }
    }

    private void idleTimedOut() {
        if (state == State.IDLE) {
            closeNow();
        }
    }

    private void closeNow() {
        state = State.CLOSING;
        releaseBody();
        ctx.channel().close();
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
