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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Streams one simulated generation: waits the first-byte delay, sends the head chunks, one chunk per
 * token at the configured pace (or as fast as the client reads, never faster: it writes only while
 * the channel is writable), then the tail with the counts. A connection that closes before the end
 * is recorded as a cancellation, as Ollama cancels the generation.
 */
final class Emitter {
    private static final int BATCH_BYTES = 16 * 1024;

    private final ChannelHandlerContext ctx;
    private final Formats.Kind kind;
    private final Generation gen;
    private final boolean includeUsage;
    private final double tokensPerSecond;
    private final int failAfter;
    private final SimRecorder recorder;
    private final boolean keepAlive;
    private final Runnable onDone;

    private int next;
    private boolean started;
    private boolean finished;
    private ScheduledFuture<?> pending;

    Emitter(ChannelHandlerContext ctx, Formats.Kind kind, Generation gen, boolean includeUsage, double tokensPerSecond,
            int failAfter, SimRecorder recorder, boolean keepAlive, Runnable onDone) {
        this.ctx = ctx;
        this.kind = kind;
        this.gen = gen;
        this.includeUsage = includeUsage;
        this.tokensPerSecond = tokensPerSecond;
        this.failAfter = failAfter;
        this.recorder = recorder;
        this.keepAlive = keepAlive;
        this.onDone = onDone;
    }

    void start(long firstByteDelayMs) {
        if (firstByteDelayMs > 0) {
            pending = ctx.executor().schedule(this::begin, firstByteDelayMs, TimeUnit.MILLISECONDS);
        } else {
            begin();
        }
    }

    private void begin() {
        if (finished || !ctx.channel().isActive()) {
            return;
        }
        started = true;
        if (!gen.stream()) {
            long genMs = tokensPerSecond > 0 ? (long) (1000 * gen.completionTokens() / tokensPerSecond) : 0;
            if (genMs > 0) {
                pending = ctx.executor().schedule(this::sendSingle, genMs, TimeUnit.MILLISECONDS);
            } else {
                sendSingle();
            }
            return;
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, Formats.contentType(kind, true));
        head.headers().set(HttpHeaderNames.DATE, SimResponse.httpDate());
        HttpUtil.setTransferEncodingChunked(head, true);
        if (!keepAlive) {
            head.headers().set(HttpHeaderNames.CONNECTION, "close");
        }
        ctx.write(head);
        for (String s : Formats.head(kind, gen)) {
            write(s);
        }
        ctx.flush();
        pump();
    }

    private void sendSingle() {
        if (finished || !ctx.channel().isActive()) {
            return;
        }
        finished = true;
        next = gen.completionTokens();
        recorder.generation(record(false));
        SimResponse.write(ctx, HttpResponseStatus.OK, Formats.contentType(kind, false), Formats.single(kind, gen),
                keepAlive, recorder);
        onDone.run();
    }

    /** Sends tokens while the channel takes them; called again when it drains or the pace timer fires. */
    void pump() {
        if (finished || !started) {
            return;
        }
        if (!ctx.channel().isActive()) {
            cancelled();
            return;
        }
        int n = gen.completionTokens();
        if (tokensPerSecond > 0) {
            if (next < n && !failNow()) {
                write(Formats.token(kind, gen, next++, includeUsage));
                ctx.flush();
            }
            if (next >= n || failNow()) {
                end();
            } else {
                pending = ctx.executor().schedule(this::pump, (long) (1_000_000 / tokensPerSecond), TimeUnit.MICROSECONDS);
            }
            return;
        }
        // As fast as the client reads: tokens go out in chunks of up to 16 KiB (one allocation per chunk,
        // not per token), and only while the channel is writable.
        for (int chunks = 0; chunks < 16 && next < n && ctx.channel().isWritable() && !failNow(); chunks++) {
            ByteBuf batch = ctx.alloc().buffer(BATCH_BYTES + 512);
            while (next < n && batch.readableBytes() < BATCH_BYTES && !failNow()) {
                batch.writeCharSequence(Formats.token(kind, gen, next++, includeUsage), StandardCharsets.UTF_8);
            }
            recorder.wrote(batch.readableBytes());
            ctx.write(new DefaultHttpContent(batch));
        }
        ctx.flush();
        if (next >= n || failNow()) {
            end();
        } else if (ctx.channel().isWritable()) {
            ctx.executor().execute(this::pump);
        }
        // else: channelWritabilityChanged calls pump() when the client has read enough
    }

    private boolean failNow() {
        return failAfter >= 0 && next >= failAfter;
    }

    private void end() {
        finished = true;
        if (failNow() && failAfter < gen.completionTokens()) {
            write(Formats.midStreamError(kind, "simulated failure after " + failAfter + " tokens"));
            recorder.generation(record(false));
        } else {
            for (String s : Formats.tail(kind, gen, includeUsage)) {
                write(s);
            }
            recorder.generation(record(false));
        }
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                .addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
        onDone.run();
    }

    /** The connection closed: stop, and record the cancellation unless the generation had finished. */
    void cancelled() {
        if (pending != null) {
            pending.cancel(false);
        }
        if (finished) {
            return;
        }
        finished = true;
        recorder.generation(record(true));
    }

    private SimRecorder.Generation record(boolean cancelled) {
        return new SimRecorder.Generation(gen.requestId(), gen.path(), gen.model(), gen.promptTokens(),
                gen.completionTokens(), Math.min(next, gen.completionTokens()), cancelled);
    }

    private void write(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = ctx.alloc().buffer(b.length).writeBytes(b);
        recorder.wrote(b.length);
        ctx.write(new DefaultHttpContent(buf));
    }
}
