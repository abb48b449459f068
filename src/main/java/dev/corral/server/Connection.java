package dev.corral.server;

import dev.corral.access.KeyHashMemo;
import dev.corral.pipeline.Decision;
import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.Forwarding;
import dev.corral.pipeline.Outcome;
import dev.corral.pipeline.RequestPath;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, as a state machine: runs each request through the {@link RequestPath}
 * and carries out every {@link Decision} (read the body, refuse, answer, wait, forward); the
 * answers themselves are written by {@link Answers}. Requests are taken one at a time: pipelined
 * ones wait in order in a backlog (with reading paused) until the current one is answered. Owns
 * the request body and every message it has not passed on, and releases them on every path.
 */
final class Connection extends ChannelInboundHandlerAdapter implements Answers.Next {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    private enum State {
        /** Waiting for a request's head. */
        IDLE,
        /** Reading a body a step asked for. */
        BODY,
        /** Running steps, waiting, forwarding or writing the answer: further messages wait in the backlog. */
        BUSY,
        /** Answered early: dropping the rest of this request until its last part. */
        SKIP,
        /** The connection is being closed: everything is dropped. */
        CLOSING
    }

    private final Listener listener;
    /** The path of the exchange in progress (the one in force when it arrived). */
    private RequestPath path;
    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    private final ConnectionTimers timers;
    private ChannelHandlerContext ctx;
    private Answers answers;
    private State state = State.IDLE;
    private final KeyHashMemo keyMemo = new KeyHashMemo(); // its requests take turns on one loop
    private int resumeAt;
    private RequestBody body;
    private CompletableFuture<Decision> pending;
    private boolean replaying;
    private java.net.InetAddress peer; // the connection's peer, and below whether it speaks TLS: the same for each request
    private boolean tls;

    Connection(Listener listener) {
        this.listener = listener;
        this.path = listener.path();
        this.timers = new ConnectionTimers(listener::settings, this::headerTimedOut, this::bodyTimedOut, () -> {
            if (state == State.IDLE) {
                close(); // kept alive for nothing
            }
        });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.answers = new Answers(ctx, this);
        this.tls = Peers.tls(ctx.pipeline());
        this.peer = Peers.address(ctx.channel()); // an accepted connection knows its peer from the start
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
            close();
            return;
        }
        timers.cancel();
        Exchange ex = listener.exchange(req, ctx, keyMemo, peer, tls);
        path = listener.path();
        path.begin(ex);
        answers.begin(ex, path);
        state = State.BUSY;
        run(0);
    }

    /** Runs the steps from {@code from} and carries out where they stop. */
    private void run(int from) {
        carry(path.run(answers.current(), from));
    }

    private void carry(RequestPath.Progress p) {
        if (p.complete()) {
            answers.forward();
            return;
        }
        Decision d = p.decision();
        switch (d.kind()) {
            case READ_BODY -> {
                resumeAt = p.next();
                state = State.BODY;
                body = new RequestBody(ctx.alloc(), path.maxBodyBytes());
                if (d.sendContinue()) {
                    ctx.writeAndFlush(Responses.continue100(ctx.alloc()));
                }
                timers.body(ctx.executor());
                drainBacklog(); // parts of this body that came while a step was waiting
            }
            case REFUSE -> answers.refuse(d.refusal(), Outcome.REFUSED);
            case ANSWER -> answers.answer(d.answer());
            case AWAIT -> await(d.pending(), p.next());
            default -> throw new IllegalStateException("a step decided " + d.kind() + " at the end of a run");
        }
    }

    /** Waits for a step's future; the decision it brings is carried out on this connection's loop. */
    private void await(CompletableFuture<Decision> f, int next) {
        Exchange ex = answers.current();
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
        if (answers.current() != ex || pending != f || ex.tally().finished() || e instanceof CancellationException) {
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
                idle();
            }
        } else if (state == State.BODY) {
            readBody(c);
        } else {
            c.release();
        }
    }

    private void readBody(HttpContent c) {
        int n = c.content().readableBytes();
        boolean last = c instanceof LastHttpContent;
        Refusal bad = body.add(c);
        if (bad != null) {
            answers.refuse(bad, Outcome.REFUSED);
            return;
        }
        answers.current().tally().addBytesIn(n);
        if (last) {
            timers.cancel();
            state = State.BUSY;
            answers.current().body(body.content());
            run(resumeAt);
        }
    }

    // ---- what the answers tell the connection ----

    @Override
    public void idle() {
        releaseBody();
        answers.begin(null, path);
        state = State.IDLE;
        timers.keepAlive(ctx.executor());
        drainBacklog();
    }

    /** Handles what waited in the backlog, in order, for as long as the connection can take it. */
    private void drainBacklog() {
        if (backlog.isEmpty() || replaying) {
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
    public void skipRest() {
        state = State.SKIP;
        drainBacklog(); // the rest of the request may have come while it was being answered
    }

    @Override
    public void lastAnswer() {
        state = State.CLOSING;
        releaseBody();
    }

    @Override
    public void close() {
        lastAnswer();
        ctx.channel().close();
    }

    @Override
    public boolean closing() {
        return state == State.CLOSING;
    }

    // ---- channel events ----

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Forwarding f = answers.forwarding();
        if (f != null) {
            f.clientWritable(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timers.stop();
        CompletableFuture<Decision> p = pending;
        pending = null;
        if (p != null) {
            p.cancel(false); // leaves the queue at once; a grant racing us is given back by the ticket
        }
        answers.clientGone();
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
        if (cause instanceof IOException || cause instanceof SSLException || cause.getCause() instanceof SSLException) {
            // a client gone, or bytes that are not TLS (scanners): one debug line, not a stack trace per probe
            log.debug("client connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("client connection {} failed", ctx.channel().remoteAddress(), cause);
        }
        close();
    }

    private void internalError(RuntimeException e) {
        Exchange ex = answers.current();
        log.error("internal error on request {}", ex == null ? "-" : ex.requestId(), e);
        if (ex != null && !ex.tally().finished() && state != State.CLOSING && answers.forwarding() == null) {
            answers.refuse(Refusal.of(RefusalKind.INTERNAL, "internal_error", "internal error in the gateway").closing(),
                    Outcome.INTERNAL_ERROR);
        } else {
            close();
        }
    }

    private void headerTimedOut() {
        if (state == State.IDLE) {
            lastAnswer(); // a request that never finished its headers (slowloris): 408 and close
            ctx.writeAndFlush(Responses.headerTimeout(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void bodyTimedOut() {
        if (state == State.BODY) {
            answers.refuse(Refusal.of(RefusalKind.REQUEST_TIMEOUT, "body_timeout", "request body not received in time")
                    .closing(), Outcome.REFUSED);
        }
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
