package dev.corral.server;

import dev.corral.relay.ListingFilter;
import dev.corral.relay.HiddenUsageFilter;
import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.Outcome;
import dev.corral.pipeline.Refusal;
import dev.corral.pipeline.RefusalKind;
import dev.corral.route.Route;
import dev.corral.route.RouteTable;
import dev.corral.relay.UsageTap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 8, forward: sends one admitted request to Ollama on a pooled connection of the client's own
 * event loop and streams the answer back as it comes. Writes as data arrives and flushes once per
 * upstream read batch; stops reading Ollama while the client cannot take more; closes the upstream
 * request the moment the client goes away, whether Ollama is still connecting, thinking or streaming
 * (Ollama cancels generation when its connection closes). Confined to the event loop.
 */
final class Forwarder {
    private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

    private final Gateway gw;
    private final ClientHandler client;
    private final ChannelHandlerContext clientCtx;
    private final Exchange ex;
    private final EventLoop loop;

    private Channel upstream;
    private ChannelFuture connecting;
    private boolean reused;
    private boolean retried;
    private boolean responseStarted;
    private boolean interim;
    private boolean done;
    private HttpResponse upstreamResponse;
    private UsageTap tap;
    private HiddenUsageFilter hidden;
    private boolean clientKeepAlive;
    private CompositeByteBuf filtered;
    private HttpResponse heldHead;
    private ScheduledFuture<?> timer;
    private long lastActivity;
    private Throwable lastCause;

    Forwarder(Gateway gw, ClientHandler client, ChannelHandlerContext clientCtx, Exchange ex) {
        this.gw = gw;
        this.client = client;
        this.clientCtx = clientCtx;
        this.ex = ex;
        this.loop = clientCtx.channel().eventLoop();
    }

    void start() {
        Channel idle = gw.pool.poll(loop);
        if (idle != null) {
            reused = true;
            attach(idle);
        } else {
            connect();
        }
    }

    private void connect() {
        reused = false;
        ChannelFuture f = gw.pool.connect(loop);
        connecting = f;
        f.addListener((ChannelFutureListener) cf -> {
            connecting = null;
            if (done) {
                cf.channel().close();
                return;
            }
            if (!cf.isSuccess()) {
                gw.health.reportFailure(cf.cause());
                lastCause = cf.cause(); // logged, not shown: the client learns nothing of the upstream's address
                failBeforeResponse(RefusalKind.BAD_GATEWAY, "upstream_connect", "the gateway cannot reach Ollama");
                return;
            }
            attach(cf.channel());
        });
    }

    private void attach(Channel ch) {
        upstream = ch;
        ch.pipeline().get(UpstreamHandler.class).bind(this);
        ch.writeAndFlush(request()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        timer = loop.schedule(this::firstByteTimedOut, gw.settings.upstream().firstByteTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The request as Ollama gets it: the classified path, its Host, no client credentials, a request id. */
    private HttpRequest request() {
        HttpRequest in = ex.request();
        ByteBuf body = ex.body() == null ? Unpooled.EMPTY_BUFFER : ex.body().retainedDuplicate();
        String uri = in.uri();
        int q = uri.indexOf('?');
        String target = RouteTable.encodePath(ex.match().path()) + (q < 0 ? "" : uri.substring(q));
        DefaultFullHttpRequest out = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, in.method(), target, body);
        HopByHop.copyRequest(in.headers(), out.headers());
        out.headers().set(HttpHeaderNames.HOST, gw.settings.upstream().hostHeader());
        if (body.isReadable() || !(in.method().equals(HttpMethod.GET) || in.method().equals(HttpMethod.HEAD))) {
            out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        }
        out.headers().set(HopByHop.REQUEST_ID, ex.requestId());
        return out;
    }

    void onResponse(HttpResponse r) {
        if (done) {
            return;
        }
        if (r.decoderResult().isFailure()) {
            lastCause = r.decoderResult().cause();
            closeUpstream();
            failBeforeResponse(RefusalKind.BAD_GATEWAY, "upstream_malformed", "Ollama sent a malformed response");
            return;
        }
        int code = r.status().code();
        if (code < 200) {
            if (code == 101) {
                closeUpstream();
                failBeforeResponse(RefusalKind.BAD_GATEWAY, "upstream_upgrade", "Ollama answered with a protocol switch");
                return;
            }
            interim = true; // 1xx: its empty last-content follows; the real response comes after
            return;
        }
        responseStarted = true;
        upstreamResponse = r;
        gw.health.reportSuccess();
        cancelTimer();
        lastActivity = System.nanoTime();
        timer = loop.schedule(this::checkIdle, gw.settings.upstream().idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
        ex.status(code);
        tap = UsageTap.forContentType(r.headers().get(HttpHeaderNames.CONTENT_TYPE));
        if (ex.hideUsage() && code == 200) {
            hidden = new HiddenUsageFilter(ex.route().name().equals("openai_completions"));
        }

        HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status());
        HopByHop.copyResponse(r.headers(), out.headers());
        out.headers().set(HopByHop.REQUEST_ID, ex.requestId());
        boolean head = ex.request().method().equals(HttpMethod.HEAD);
        Route route = ex.route();
        if (route.listing() != Route.Listing.NONE && code == 200 && mustFilterListing()) {
            if (!head) {
                heldHead = out;
                filtered = gw.alloc.compositeBuffer(64);
                return;
            }
            r.headers().remove(HttpHeaderNames.CONTENT_LENGTH); // the unfiltered size would tell what is hidden
        }
        frame(out, r, head || code == 204 || code == 304);
        clientCtx.write(out, clientCtx.voidPromise());
    }

    /** Chooses the client-side framing: Ollama's Content-Length, else chunked (HTTP/1.1) or close-delimited (1.0). */
    private void frame(HttpResponse out, HttpResponse in, boolean bodyless) {
        boolean closeDelimited = false;
        if (HttpUtil.isContentLengthSet(in)) {
            out.headers().set(HttpHeaderNames.CONTENT_LENGTH, in.headers().get(HttpHeaderNames.CONTENT_LENGTH));
        } else if (!bodyless) {
            if (ex.request().protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                HttpUtil.setTransferEncodingChunked(out, true);
            } else {
                closeDelimited = true;
            }
        }
        keepAliveHeader(out, closeDelimited);
    }

    private void keepAliveHeader(HttpResponse out, boolean closeDelimited) {
        clientKeepAlive = HttpUtil.isKeepAlive(ex.request()) && !closeDelimited && !client.closing();
        if (!clientKeepAlive) {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!ex.request().protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    void onContent(HttpContent c) {
        if (done) {
            c.release();
            return;
        }
        boolean last = c instanceof LastHttpContent;
        if (interim) {
            c.release();
            interim = !last;
            return;
        }
        if (c.decoderResult().isFailure()) {
            lastCause = c.decoderResult().cause();
            c.release();
            closeUpstream();
            if (responseStarted && filtered == null) {
                abort(Outcome.UPSTREAM_ERROR, "upstream_malformed_body");
            } else {
                failBeforeResponse(RefusalKind.BAD_GATEWAY, "upstream_malformed", "Ollama sent a malformed response");
            }
            return;
        }
        lastActivity = System.nanoTime();
        ByteBuf data = c.content();
        tap.feed(data);
        if (filtered != null) {
            int limit = gw.settings.maxFilteredResponseBytes();
            if (filtered.readableBytes() + data.readableBytes() > limit) {
                c.release();
                closeUpstream();
                failBeforeResponse(RefusalKind.BAD_GATEWAY, "listing_too_large",
                        "the model list from Ollama is larger than limits.max_filtered_response_bytes");
                return;
            }
            filtered.addComponent(true, data.retain());
            c.release();
            if (last) {
                releaseUpstream();
                writeFilteredListing();
            }
            return;
        }
        HttpContent out = c;
        if (hidden != null) {
            ByteBuf kept = hidden.filter(data, gw.alloc, last);
            c.release();
            out = last ? new DefaultLastHttpContent(kept) : new DefaultHttpContent(kept);
        }
        ex.addBytesOut(out.content().readableBytes());
        if (last) {
            releaseUpstream();
            clientCtx.writeAndFlush(out).addListener(f -> completed(f.isSuccess()));
        } else if (out.content().isReadable() || hidden == null) {
            clientCtx.write(out, clientCtx.voidPromise());
        } else {
            out.release();
        }
    }

    private boolean mustFilterListing() {
        return !gw.settings.allowCloudModels() || !ex.principal().models().allowsAll();
    }

    private void writeFilteredListing() {
        byte[] bytes;
        try {
            bytes = ListingFilter.filter(ByteBufUtil.getBytes(filtered), ex.route().listing(),
                    name -> gw.modelPolicy.visible(ex.principal(), name));
        } catch (IOException e) {
            lastCause = e;
            failBeforeResponse(RefusalKind.BAD_GATEWAY, "listing_unreadable", "the model list from Ollama cannot be read");
            return;
        } finally {
            if (filtered != null) {
                filtered.release();
                filtered = null;
            }
        }
        FullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, heldHead.status(),
                gw.alloc.buffer(bytes.length).writeBytes(bytes), heldHead.headers(), EmptyHttpHeaders.INSTANCE);
        full.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        keepAliveHeader(full, false);
        ex.addBytesOut(bytes.length);
        clientCtx.writeAndFlush(full).addListener(f -> completed(f.isSuccess()));
    }

    private void completed(boolean written) {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        settleTokens();
        if (written) {
            client.exchangeDone(Outcome.COMPLETED, clientKeepAlive);
        } else {
            client.abort(Outcome.CLIENT_GONE, 499, "client_write_failed");
        }
    }

    void flushClient() {
        if (!done) {
            clientCtx.flush();
        }
    }

    /** The client's socket filled or drained: read Ollama only as fast as the client takes it. */
    void clientWritabilityChanged(boolean writable) {
        if (upstream != null && !done) {
            upstream.config().setAutoRead(writable);
        }
    }

    void onUpstreamException(Throwable cause) {
        lastCause = cause;
        log.debug("upstream error on request {}: {}", ex.requestId(), cause.toString());
    }

    /** The upstream connection closed while lent to this exchange. */
    void onUpstreamClosed() {
        upstream = null;
        if (done) {
            return;
        }
        if (!responseStarted) {
            if (reused && !retried) {
                // A pooled connection Ollama had already closed: safe to send again on a fresh one,
                // since nothing came back. Only once.
                retried = true;
                cancelTimer();
                connect();
                return;
            }
            failBeforeResponse(RefusalKind.BAD_GATEWAY, "upstream_closed", "Ollama closed the connection before answering");
        } else {
            abort(Outcome.UPSTREAM_ERROR, "upstream_closed_mid_response");
        }
    }

    /** The client went away: stop Ollama's work now (it cancels when its connection closes). */
    void clientGone() {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        ChannelFuture c = connecting;
        if (c != null) {
            c.cancel(false);
            c.channel().close();
        }
        closeUpstream();
        releaseFiltered();
        settleTokens();
    }

    private void firstByteTimedOut() {
        if (done || responseStarted) {
            return;
        }
        closeUpstream();
        failBeforeResponse(RefusalKind.GATEWAY_TIMEOUT, "upstream_first_byte_timeout",
                "Ollama did not answer within " + gw.settings.upstream().firstByteTimeout().toSeconds() + "s");
    }

    private void checkIdle() {
        if (done) {
            return;
        }
        long idleNanos = gw.settings.upstream().idleTimeout().toNanos();
        long quiet = System.nanoTime() - lastActivity;
        if (quiet >= idleNanos) {
            closeUpstream();
            if (filtered != null) {
                failBeforeResponse(RefusalKind.GATEWAY_TIMEOUT, "upstream_idle_timeout", "Ollama stopped sending");
            } else {
                abort(Outcome.UPSTREAM_TIMEOUT, "upstream_idle_timeout");
            }
            return;
        }
        timer = loop.schedule(this::checkIdle, idleNanos - quiet, TimeUnit.NANOSECONDS);
    }

    private void failBeforeResponse(RefusalKind kind, String reason, String message) {
        done = true;
        cancelTimer();
        closeUpstream();
        releaseFiltered();
        if (lastCause != null) {
            log.warn("request {}: {} ({})", ex.requestId(), message, describe(lastCause));
        }
        Outcome o = kind == RefusalKind.GATEWAY_TIMEOUT ? Outcome.UPSTREAM_TIMEOUT : Outcome.UPSTREAM_ERROR;
        client.respondError(Refusal.of(kind, reason, message), o);
    }

    /** The response was already under way: the only honest signal left is to cut the connection. */
    private void abort(Outcome outcome, String reason) {
        done = true;
        cancelTimer();
        closeUpstream();
        releaseFiltered();
        settleTokens();
        client.abort(outcome, 0, reason);
    }

    /** Hands the connection back to the pool (or closes it) once Ollama's response is read to its end. */
    private void releaseUpstream() {
        cancelTimer();
        Channel ch = upstream;
        upstream = null;
        if (ch == null) {
            return;
        }
        ch.pipeline().get(UpstreamHandler.class).unbind();
        if (HttpUtil.isKeepAlive(upstreamResponse) && ch.isActive()) {
            gw.pool.release(ch);
        } else {
            ch.close();
        }
    }

    private void closeUpstream() {
        Channel ch = upstream;
        upstream = null;
        if (ch != null) {
            UpstreamHandler h = ch.pipeline().get(UpstreamHandler.class);
            if (h != null) {
                h.unbind();
            }
            ch.close();
        }
    }

    private void releaseFiltered() {
        if (filtered != null) {
            filtered.release();
            filtered = null;
        }
    }

    private void settleTokens() {
        if (tap != null) {
            ex.tokens(tap.promptTokens(), tap.completionTokens(), tap.events());
            tap.close();
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
