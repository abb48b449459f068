package dev.corral.upstream;

import dev.corral.config.Settings;
import dev.corral.net.TurnEnd;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * One request to Ollama on a pooled connection of the caller's event loop: connect (or reuse),
 * send, hand the answer to a {@link Listener} as it comes, give the connection back when the
 * answer is read to its end. It owns the upstream's timeouts (first byte, silence between chunks)
 * and one retry: a reused connection that Ollama had already closed, before anything came back,
 * is safe to send again on a fresh one; nothing is ever sent twice once Ollama may have started.
 * With several nodes, a {@link Failover} takes a request to another node when no connection could
 * be made, or the connection failed before the request was written whole (so Ollama never had it).
 * {@link #cancel} closes the connection at once, whatever the state, since Ollama cancels its work
 * when its connection closes. Confined to the event loop.
 */
public final class UpstreamCall {
    /** Why a call ended without a complete answer. */
    public enum Failure {
        CONNECT, CLOSED_BEFORE_RESPONSE, MALFORMED_RESPONSE, PROTOCOL_SWITCH, FIRST_BYTE_TIMEOUT,
        CLOSED_MID_RESPONSE, MALFORMED_BODY, IDLE_TIMEOUT
    }

    /** Receives the answer. After {@link #onContent} with the last part or {@link #onFailure}, nothing more comes. */
    public interface Listener {
        /** The final (non-1xx) response head. */
        void onResponse(HttpResponse head);

        /** A part of the body; the listener owns it. */
        void onContent(HttpContent content);

        /** The end of one read batch from Ollama: the moment to flush. */
        void onReadComplete();

        void onFailure(Failure failure, Throwable cause);
    }

    private UpstreamConnections pool;
    private UpstreamReports health;
    private Failover failover;
    private final Settings.Upstream cfg;
    private final EventLoop loop;
    private final Listener listener;
    private FullHttpRequest request;
    private Channel channel;
    private ChannelFuture connecting;
    private boolean reused;
    private boolean retried;
    private boolean unwritten;
    private boolean responded;
    private boolean interim;
    private boolean done;
    private boolean keepAlive;
    private final CallTimeouts timeouts;
    private Throwable lastCause;

    public UpstreamCall(UpstreamConnections pool, UpstreamReports health, Settings.Upstream cfg, EventLoop loop, Listener listener) {
        this.pool = pool;
        this.health = health;
        this.cfg = cfg;
        this.loop = loop;
        this.listener = listener;
        this.timeouts = new CallTimeouts(loop, cfg.firstByteTimeout().toNanos(), cfg.idleTimeout().toNanos(),
                new CallTimeouts.Expiry() {
                    @Override
                    public boolean done() {
                        return done;
                    }

                    @Override
                    public boolean responded() {
                        return responded;
                    }

                    @Override
                    public void expired(Failure why) {
                        fail(why, null);
                    }
                });
    }

    /** Where to go when no connection can be made (several nodes); none by default. Set before {@link #start}. */
    public UpstreamCall failover(Failover f) {
        this.failover = f;
        return this;
    }

    /** Sends {@code req} (the call owns it from now on). */
    public void start(FullHttpRequest req) {
        this.request = req;
        Channel idle = pool.poll(loop);
        if (idle != null) {
            reused = true;
            attach(idle);
        } else {
            connect();
        }
    }

    /** Reads Ollama only as fast as the client takes the answer. */
    public void autoRead(boolean on) {
        if (channel != null && !done) {
            channel.config().setAutoRead(on);
        }
    }

    /** The client went away: stop Ollama's work now. Safe in any state, and more than once. */
    public void cancel() {
        if (done) {
            return;
        }
        end();
        ChannelFuture c = connecting;
        if (c != null) {
            c.cancel(false);
            c.channel().close();
        }
        closeChannel();
    }

    private void connect() {
        reused = false;
        ChannelFuture f = pool.connect(loop);
        connecting = f;
        f.addListener((ChannelFutureListener) cf -> {
            connecting = null;
            if (done) {
                cf.channel().close();
                return;
            }
            if (!cf.isSuccess()) {
                health.unreachable(cf.cause());
                if (!failedOver(cf.cause())) {
                    fail(Failure.CONNECT, cf.cause());
                }
                return;
            }
            attach(cf.channel());
        });
    }

    /**
     * The connection failed before anything was written on it: another node, if the failover has
     * one. The request's Host becomes the new node's (nothing of it was sent yet).
     */
    private boolean failedOver(Throwable cause) {
        Failover.Next next = failover == null ? null : failover.next(cause);
        if (next == null) {
            return false;
        }
        pool = next.connections();
        health = next.reports();
        request.headers().set(io.netty.handler.codec.http.HttpHeaderNames.HOST, next.hostHeader());
        connect();
        return true;
    }

    private void attach(Channel ch) {
        channel = ch;
        handler(ch).bind(this);
        unwritten = false;
        // Flushed at the end of the loop's turn, after the usage journal's lines of the turn are written
        // (TurnEnd): Ollama never gets a request the journal does not know of.
        ch.write(request.retainedDuplicate()).addListener(failover == null ? ChannelFutureListener.CLOSE_ON_FAILURE
                : (ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        // Runs before the close reaches onClosed: the request never left whole, so Ollama
                        // cannot have started on it (it reads a whole body before it runs anything).
                        unwritten = channel == f.channel();
                        f.channel().close();
                    }
                });
        TurnEnd turn = TurnEnd.current();
        if (turn != null) {
            turn.flush(ch);
        } else {
            ch.flush();
        }
        timeouts.sent();
    }

    /** The UpstreamHandler that ends {@code ch}'s pipeline. */
    private static UpstreamHandler handler(Channel ch) {
        return (UpstreamHandler) ch.pipeline().last();
    }

    void onMessage(HttpObject msg) {
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse r && !responded && !onHead(r)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpContent c) {
            onBody(c);
        }
    }

    /** False when the head ended the call or was an interim response. */
    private boolean onHead(HttpResponse r) {
        if (r.decoderResult().isFailure()) {
            fail(Failure.MALFORMED_RESPONSE, r.decoderResult().cause());
            return false;
        }
        int code = r.status().code();
        if (code < 200) {
            if (code == 101) {
                fail(Failure.PROTOCOL_SWITCH, null);
            } else {
                interim = true; // its empty last part follows; the real response comes after
            }
            return false;
        }
        responded = true;
        keepAlive = HttpUtil.isKeepAlive(r);
        health.answered(code);
        timeouts.activity();
        listener.onResponse(r);
        return true;
    }

    private void onBody(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        if (interim) {
            c.release();
            interim = !last;
            return;
        }
        if (!responded) {
            c.release();
            return;
        }
        if (c.decoderResult().isFailure()) {
            Throwable cause = c.decoderResult().cause();
            c.release();
            fail(Failure.MALFORMED_BODY, cause);
            return;
        }
        timeouts.activity();
        if (last) {
            giveBack();
        }
        listener.onContent(c);
    }

    void onReadComplete() {
        if (!done) {
            listener.onReadComplete();
        }
    }

    void onException(Throwable cause) {
        lastCause = cause;
    }

    /** The connection closed while lent to this call. */
    void onClosed() {
        channel = null;
        if (done) {
            return;
        }
        if (!responded) {
            if (reused && !retried) {
                // A pooled connection Ollama had already closed and nothing came back: safe to send
                // again on a fresh connection, once.
                retried = true;
                timeouts.cancel();
                connect();
                return;
            }
            if (unwritten && failover != null) {
                timeouts.cancel();
                health.unreachable(lastCause);
                if (failedOver(lastCause)) {
                    return;
                }
            }
            fail(Failure.CLOSED_BEFORE_RESPONSE, lastCause);
        } else {
            fail(Failure.CLOSED_MID_RESPONSE, lastCause);
        }
    }

    private void fail(Failure f, Throwable cause) {
        if (done) {
            return;
        }
        end();
        closeChannel();
        listener.onFailure(f, cause != null ? cause : lastCause);
    }

    /** The answer was read to its end: the connection goes back to the pool (or is closed). */
    private void giveBack() {
        end();
        Channel ch = channel;
        channel = null;
        if (ch == null) {
            return;
        }
        handler(ch).unbind();
        if (keepAlive && ch.isActive()) {
            pool.release(ch);
        } else {
            ch.close();
        }
    }

    private void end() {
        done = true;
        timeouts.cancel();
        if (request != null) {
            request.release();
            request = null;
        }
    }

    private void closeChannel() {
        Channel ch = channel;
        channel = null;
        if (ch != null) {
            if (ch.pipeline().last() instanceof UpstreamHandler h) {
                h.unbind();
            }
            ch.close();
        }
    }
}
