package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries a later answer to its caller on one admin connection. Every call, from whatever thread,
 * runs on the connection's event loop, so the state needs no locks and the writes keep their order.
 * The connection closes when the answer ends: a request pipelined behind a later answer is dropped
 * (the CLI sends one call per connection). The caller closing the connection first runs the
 * {@link #onGone} hooks, which is how a pull in progress at Ollama gets cancelled.
 */
final class ChannelReplier implements AdminReplier {
    private static final Logger log = LoggerFactory.getLogger(ChannelReplier.class);
    private static final AttributeKey<Boolean> BUSY = AttributeKey.valueOf("corral.admin.later");

    private final ChannelHandlerContext ctx;
    private final List<Runnable> goneHooks = new ArrayList<>();
    private boolean streaming;
    private boolean done;
    private boolean gone;

    private ChannelReplier(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Starts {@code later} on this connection; what it throws is answered like a handler's failure. */
    static void start(ChannelHandlerContext ctx, AdminRoutes.Later later) {
        ChannelReplier r = new ChannelReplier(ctx);
        ctx.channel().attr(BUSY).set(Boolean.TRUE);
        ctx.channel().closeFuture().addListener(f -> r.closed());
        try {
            later.start(r);
        } catch (AdminError e) {
            r.reply(AdminHandler.error(e.status(), e.getMessage()));
        } catch (Exception e) {
            log.error("admin call failed", e);
            r.reply(AdminHandler.error(500, "internal error (see the server's log)"));
        }
    }

    /** True while a later answer owns the connection. */
    static boolean busy(Channel ch) {
        return Boolean.TRUE.equals(ch.attr(BUSY).get());
    }

    @Override
    public void reply(AdminRoutes.Reply reply) {
        onLoop(() -> {
            if (done || gone) {
                return;
            }
            if (streaming) {
                write(reply.body(), () -> { });
                finish();
                return;
            }
            done = true;
            AdminHandler.respond(ctx, reply, false);
        });
    }

    @Override
    public void beginStream() {
        onLoop(() -> {
            if (done || gone || streaming) {
                return;
            }
            streaming = true;
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson");
            head.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            HttpUtil.setTransferEncodingChunked(head, true);
            ctx.writeAndFlush(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        });
    }

    @Override
    public void line(JsonNode line, Runnable written) {
        onLoop(() -> {
            if (!streaming || done || gone) {
                written.run();
                return;
            }
            write(line, written);
        });
    }

    @Override
    public void end() {
        onLoop(() -> {
            if (done) {
                return;
            }
            if (gone) {
                done = true;
                return;
            }
            if (streaming) {
                finish();
            } else {
                done = true;
                log.error("an admin answer ended before it began; closing the connection");
                ctx.close();
            }
        });
    }

    @Override
    public void onGone(Runnable r) {
        onLoop(() -> {
            if (gone) {
                r.run();
            } else if (!done) {
                goneHooks.add(r);
            }
        });
    }

    private void write(JsonNode line, Runnable written) {
        byte[] b = (line.toString() + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = ctx.alloc().buffer(b.length).writeBytes(b);
        // On a connection that closed meanwhile the write fails and Netty releases the buffer.
        ctx.writeAndFlush(new DefaultHttpContent(buf)).addListener(f -> written.run());
    }

    private void finish() {
        done = true;
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }

    /** The connection closed: if the answer had not ended, the caller went away. */
    private void closed() {
        gone = true;
        if (done) {
            return;
        }
        for (Runnable r : goneHooks) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.error("stopping an admin call whose caller went away failed", e);
            }
        }
        goneHooks.clear();
    }

    private void onLoop(Runnable r) {
        if (ctx.executor().inEventLoop()) {
            r.run();
            return;
        }
        try {
            ctx.executor().execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("admin answer dropped: the admin listener is shutting down");
        }
    }
}
