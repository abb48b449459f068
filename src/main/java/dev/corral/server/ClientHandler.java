package dev.corral.server;

import dev.corral.pipeline.ErrorResponses;
import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.GatewayPath;
import dev.corral.pipeline.Outcome;
import dev.corral.pipeline.Refusal;
import dev.corral.pipeline.RefusalKind;
import dev.corral.admission.Admission;
import dev.corral.admission.FairQueue;
import dev.corral.route.RouteClass;
import dev.corral.route.BodyKind;
import dev.corral.route.Dialect;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: takes decoded requests one at a time, runs each through the
 * {@link GatewayPath}, reads the body (bounded) when a stage needs it, hands admitted requests to a
 * {@link Forwarder}, and writes refusals. Pipelined requests wait in order until the current one is
 * answered. Owns the request body and every message it has not passed on; releases them on every path.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientHandler.class);

    private enum State {
        /** Waiting for a request's head. */
        IDLE,
        /** Reading a body a stage needs. */
        BODY,
        /** Forwarding, or writing the answer: further messages wait in the backlog. */
        BUSY,
        /** Answered early: dropping the rest of this request until its last part. */
        SKIP,
        /** The connection is being closed: everything is dropped. */
        CLOSING
    }

    private final Gateway gw;
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private Exchange exchange;
    private int resumeAt;
    private CompositeByteBuf body;
    private Forwarder forwarder;
    private FairQueue.Waiter waiter;
    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    private boolean replaying;
    private ScheduledFuture<?> timer;
    private boolean headerClockRunning;

    ClientHandler(Gateway gw) {
        this.gw = gw;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        armKeepAlive();
        ctx.fireChannelActive();
    }

    /** Called by {@link ByteWatch} for raw bytes: the first byte of a request starts the header clock. */
    void onBytes() {
        if (state == State.IDLE && !headerClockRunning) {
            headerClockRunning = true;
            arm(gw.settings.headerTimeout().toMillis(), this::headerTimedOut);
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
                if (msg instanceof HttpContent c && state != State.CLOSING) {
                    onContent(c);
                    return;
                }
                ReferenceCountUtil.release(msg);
            } else if (msg instanceof HttpContent c) {
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
        cancelTimer();
        headerClockRunning = false;
        exchange = new Exchange(Gateway.newRequestId(), gw.clock.instant(), System.nanoTime(), req, peer());
        exchange.clientCertificate(clientCertificate());
        DecoderResult dr = req.decoderResult();
        if (dr.isFailure()) {
            state = State.SKIP;
            refuse(decoderRefusal(dr.cause()).closing());
            return;
        }
        Refusal framing = FramingRules.check(req);
        if (framing != null) {
            state = State.SKIP;
            refuse(framing.closing());
            return;
        }
        if (gw.cors.enabled() && corsPreflight(req)) {
            return;
        }
        if (HealthEndpoint.matches(req)) {
            state = State.SKIP;
            FullHttpResponse r = HealthEndpoint.response(ctx.alloc(), gw.health, gw.usageHealth.get(), req,
                    exchange.requestId());
            exchange.status(r.status().code());
            boolean keepAlive = HttpUtil.isKeepAlive(req) && !hasBody(req);
            if (!keepAlive) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                state = State.CLOSING;
            }
            ctx.writeAndFlush(r).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
            exchange = null; // health probes are not exchanges: no usage, no access log line
            return;
        }
        state = State.BODY;
        GatewayPath.Progress p = gw.path.run(exchange, 0, false);
        if (p.refusal() != null) {
            state = State.SKIP;
            refuse(hasBody(req) ? p.refusal().closing() : p.refusal());
            return;
        }
        resumeAt = p.next();
        long length = HttpUtil.getContentLength(req, -1L);
        boolean bodyPresent = hasBody(req);
        if (bodyPresent && exchange.route().body() == BodyKind.NONE) {
            state = State.SKIP;
            refuse(Refusal.of(RefusalKind.BAD_REQUEST, "unexpected_body", "this route takes no request body").closing());
            return;
        }
        if (length > gw.settings.maxBodyBytes()) {
            state = State.SKIP;
            refuse(tooLarge().closing());
            return;
        }
        String expect = req.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            if (!expect.equalsIgnoreCase(HttpHeaderValues.CONTINUE.toString())) {
                state = State.SKIP;
                refuse(Refusal.of(RefusalKind.EXPECTATION_FAILED, "expectation", "unsupported expectation").closing());
                return;
            }
            if (bodyPresent && req.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                        ctx.alloc().buffer(0)));
            }
        }
        body = ctx.alloc().compositeBuffer(1024);
        arm(gw.settings.bodyTimeout().toMillis(), this::bodyTimedOut);
    }

    /**
     * Remembers the request's Origin if it is allowed (responses then carry it), and answers a
     * preflight from an allowed origin for a route that exists. Other preflights go down the normal
     * path, where OPTIONS is not a method of any route: 405, and no CORS headers.
     */
    private boolean corsPreflight(HttpRequest req) {
        String origin = gw.cors.allowedOrigin(req);
        ctx.channel().attr(Cors.ORIGIN).set(origin);
        if (origin == null || !Cors.isPreflight(req)) {
            return false;
        }
        dev.corral.route.RouteMatch m;
        try {
            m = gw.routes.classify(io.netty.handler.codec.http.HttpMethod.valueOf(
                    req.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD).trim()),
                    req.uri().split("\\?", 2)[0], dev.corral.route.RouteTable.publicClasses());
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (!m.found()) {
            return false;
        }
        state = State.SKIP;
        FullHttpResponse r = Cors.preflight(ctx.alloc(), origin, m);
        r.headers().set(HopByHop.REQUEST_ID, exchange.requestId());
        exchange = null; // the browser's question, not a client's request: no key, no usage
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        return true;
    }

    private void onContent(HttpContent c) {
        switch (state) {
            case SKIP -> {
                boolean last = c instanceof LastHttpContent;
                c.release();
                if (last) {
                    becomeIdle();
                }
            }
            case BODY -> readBody(c);
            default -> c.release();
        }
    }

    private void readBody(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            c.release();
            state = State.SKIP;
            // In a body, even a too-long line is a malformed chunk, not a long URI.
            refuse(Refusal.of(RefusalKind.BAD_REQUEST, "malformed_body", "malformed request body framing").closing());
            return;
        }
        int n = c.content().readableBytes();
        if ((long) body.readableBytes() + n > gw.settings.maxBodyBytes()) {
            c.release();
            state = State.SKIP;
            refuse(tooLarge().closing());
            return;
        }
        exchange.addBytesIn(n);
        boolean last = c instanceof LastHttpContent;
        if (n > 0) {
            body.addComponent(true, c.content()); // takes over c's reference
        } else {
            c.release();
        }
        if (!last) {
            return;
        }
        cancelTimer();
        state = State.BUSY;
        exchange.body(body);
        GatewayPath.Progress p = gw.path.run(exchange, resumeAt, true);
        if (p.refusal() != null) {
            refuse(p.refusal());
            return;
        }
        if (exchange.route().routeClass() != RouteClass.INFERENCE) {
            forward();
            return;
        }
        // Stage 7, admit, continued: wait for an upstream slot in fair order across keys.
        Exchange ex = exchange;
        Admission.Ticket ticket = ex.admission();
        FairQueue.Result r = gw.admission.queue().acquire(ex.keyId(), ticket.weight(), ctx.executor(), permit -> granted(ex, permit));
        if (r.refused() != null) {
            respond(new Refusal(RefusalKind.SERVICE_UNAVAILABLE, "the upstream is busy: " + r.refused(), "queue_full", false)
                    .withHeaders(java.util.Map.of("Retry-After", "5")), Outcome.REFUSED);
        } else if (r.permit() != null) {
            ticket.hold(r.permit());
            forward();
        } else {
            waiter = r.waiter();
            long limit = gw.admission.queueTimeout().toMillis();
            arm(limit, () -> {
                FairQueue.Waiter w = waiter;
                if (w != null && exchange == ex && w.cancel()) {
                    waiter = null;
                    respond(new Refusal(RefusalKind.SERVICE_UNAVAILABLE, "the upstream stayed busy: waited "
                            + limit / 1000 + " s in the queue", "queue_timeout", false)
                            .withHeaders(java.util.Map.of("Retry-After", "5")), Outcome.REFUSED);
                }
            });
        }
    }

    /** A slot came free for a queued exchange (on this channel's loop). */
    private void granted(Exchange ex, FairQueue.Permit permit) {
        if (exchange != ex || ex.finished() || !ctx.channel().isActive()) {
            permit.release(); // the client left while the grant was on its way
            return;
        }
        waiter = null;
        cancelTimer();
        ((Admission.Ticket) ex.admission()).hold(permit);
        forward();
    }

    private void forward() {
        forwarder = new Forwarder(gw, this, ctx, exchange);
        forwarder.start();
    }

    /** Writes a refusal in the route's dialect and ends the exchange as refused. */
    private void refuse(Refusal refusal) {
        respond(refusal, Outcome.REFUSED);
    }

    /** Called by the forwarder when Ollama could not be used: the client gets an error in its dialect. */
    void respondError(Refusal refusal, Outcome outcome) {
        forwarder = null;
        respond(refusal, outcome);
    }

    private void respond(Refusal refusal, Outcome outcome) {
        Exchange ex = exchange;
        boolean keepAlive = HttpUtil.isKeepAlive(ex.request()) && !refusal.close();
        Refusal r = keepAlive ? refusal : refusal.closing();
        Dialect dialect = ex.dialect();
        boolean head = ex.request().method().equals(HttpMethod.HEAD);
        FullHttpResponse resp = ErrorResponses.response(ctx.alloc(), dialect, r, ex.requestId(), head);
        if (!keepAlive && !ex.request().protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (keepAlive && !ex.request().protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ex.status(r.status());
        ex.addBytesOut(resp.content().readableBytes());
        finishExchange(outcome, r.status(), r.reason());
        if (r.status() >= 500) {
            log.warn("request {} failed: {} {}", ex.requestId(), r.status(), r.reason());
        } else {
            log.debug("request {} refused: {} {}", ex.requestId(), r.status(), r.reason());
        }
        if (!keepAlive) {
            state = State.CLOSING;
            releaseBody();
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        if (state == State.BUSY) {
            becomeIdle();
        }
        // In SKIP the rest of the request is still arriving; its last part makes the connection idle.
    }

    /** Called by the forwarder when the whole answer reached the client. */
    void exchangeDone(Outcome outcome, boolean keepAlive) {
        forwarder = null;
        finishExchange(outcome, 0, null);
        if (!keepAlive) {
            closeNow();
            return;
        }
        becomeIdle();
    }

    /** Called by the forwarder when the answer cannot be finished: the connection is cut. */
    void abort(Outcome outcome, int status, String reason) {
        forwarder = null;
        finishExchange(outcome, status, reason);
        closeNow();
    }

    /** True once the connection is going away; a response then says Connection: close. */
    boolean closing() {
        return state == State.CLOSING;
    }

    private void becomeIdle() {
        releaseBody();
        exchange = null;
        state = State.IDLE;
        headerClockRunning = false;
        armKeepAlive();
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

    private void finishExchange(Outcome outcome, int status, String reason) {
        Exchange ex = exchange;
        if (ex != null && ex.finish(outcome, status, reason, System.nanoTime())) {
            gw.settle(ex);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Forwarder f = forwarder;
        if (f != null) {
            f.clientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        FairQueue.Waiter w = waiter;
        waiter = null;
        if (w != null) {
            w.cancel(); // leaves the queue at once; if a grant raced us, granted() gives the slot back
        }
        Forwarder f = forwarder;
        forwarder = null;
        if (f != null) {
            f.clientGone();
        }
        if (exchange != null && !exchange.finished()) {
            finishExchange(Outcome.CLIENT_GONE, 499, "client_closed");
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
        if (exchange != null && !exchange.finished() && state != State.CLOSING && forwarder == null) {
            state = State.SKIP;
            respond(Refusal.of(RefusalKind.INTERNAL, "internal_error", "internal error in the gateway").closing(),
                    Outcome.INTERNAL_ERROR);
        } else {
            closeNow();
        }
    }

    private void headerTimedOut() {
        if (state != State.IDLE) {
            return;
        }
        // A request that never finished its headers (slowloris): 408 and close.
        state = State.CLOSING;
        byte[] msg = "{\"error\":\"request headers not received in time\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_TIMEOUT,
                ctx.alloc().buffer(msg.length).writeBytes(msg));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, msg.length);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    private void bodyTimedOut() {
        if (state != State.BODY) {
            return;
        }
        state = State.SKIP;
        refuse(Refusal.of(RefusalKind.REQUEST_TIMEOUT, "body_timeout", "request body not received in time").closing());
    }

    private void armKeepAlive() {
        arm(gw.settings.keepaliveTimeout().toMillis(), () -> {
            if (state == State.IDLE && !headerClockRunning) {
                closeNow();
            }
        });
    }

    private void arm(long millis, Runnable task) {
        cancelTimer();
        timer = ctx.executor().schedule(task, millis, TimeUnit.MILLISECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
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

    private Refusal tooLarge() {
        return Refusal.of(RefusalKind.PAYLOAD_TOO_LARGE, "body_too_large",
                "request body is larger than " + gw.settings.maxBodyBytes() + " bytes");
    }

    private static Refusal decoderRefusal(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return Refusal.of(RefusalKind.URI_TOO_LONG, "request_line_too_long", "request line too long");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return Refusal.of(RefusalKind.HEADERS_TOO_LARGE, "headers_too_large", "request headers too large");
        }
        if (cause instanceof TooLongFrameException) {
            return Refusal.of(RefusalKind.BAD_REQUEST, "frame_too_long", "malformed request");
        }
        return Refusal.of(RefusalKind.BAD_REQUEST, "malformed_request", "malformed HTTP request");
    }

    private static boolean hasBody(HttpRequest req) {
        return HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
    }

    private java.security.cert.X509Certificate clientCertificate() {
        io.netty.handler.ssl.SslHandler ssl = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            java.security.cert.Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof java.security.cert.X509Certificate x ? x : null;
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return null; // no client certificate
        }
    }

    private InetAddress peer() {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : InetAddress.getLoopbackAddress();
    }
}
