package dev.corral.sim;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Streams one pull's (or push's, or create's) NDJSON progress, a line every {@code paceMs} (all at
 * once when 0). Like Ollama, the change to the model store happens only when the stream reaches its
 * end ("success"); a connection that closes first cancels the pull, recorded as a cancelled
 * {@link SimRecorder.Generation} on the route, with the lines sent as its tokens.
 */
final class PullStream {
    private final SimCall call;
    private final List<String> lines;
    private final long paceMs;
    private final String model;
    private final Runnable onSuccess;
    private int next;
    private boolean finished;
    private ScheduledFuture<?> pending;

    PullStream(SimCall call, List<String> lines, long paceMs, String model, Runnable onSuccess) {
        this.call = call;
        this.lines = lines;
        this.paceMs = paceMs;
        this.model = model;
        this.onSuccess = onSuccess;
    }

    void start() {
        ChannelHandlerContext ctx = call.ctx();
        ctx.channel().config().setAutoRead(false); // the next request on this connection waits for this answer
        ctx.channel().closeFuture().addListener(f -> closed()); // runs on the channel's event loop
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson");
        head.headers().set(HttpHeaderNames.DATE, SimResponse.httpDate());
        HttpUtil.setTransferEncodingChunked(head, true);
        if (!call.keepAlive()) {
            head.headers().set(HttpHeaderNames.CONNECTION, "close");
        }
        ctx.write(head);
        pump();
    }

    private void pump() {
        ChannelHandlerContext ctx = call.ctx();
        if (finished || !ctx.channel().isActive()) {
            return;
        }
        do {
            if (next == lines.size() - 1) {
                onSuccess.run(); // the store changes as the last line ("success") goes out
            }
            byte[] b = (lines.get(next++) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuf buf = ctx.alloc().buffer(b.length).writeBytes(b);
            call.recorder().wrote(b.length);
            ctx.write(new DefaultHttpContent(buf));
        } while (paceMs <= 0 && next < lines.size());
        if (next < lines.size()) {
            ctx.flush();
            pending = ctx.executor().schedule(this::pump, paceMs, TimeUnit.MILLISECONDS);
            return;
        }
        finished = true;
        call.recorder().generation(record(false));
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                .addListener(call.keepAlive() ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
        ctx.channel().config().setAutoRead(true);
    }

    private void closed() {
        if (pending != null) {
            pending.cancel(false);
        }
        if (finished) {
            return;
        }
        finished = true;
        call.recorder().generation(record(true));
    }

    private SimRecorder.Generation record(boolean cancelled) {
        return new SimRecorder.Generation(call.requestId(), call.match().path(), model, 0, lines.size(), next, cancelled);
    }
}
