package dev.corral.upstream;

import dev.corral.config.Settings;
import dev.corral.net.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to Ollama, one idle list per event loop: a client connection only ever
 * uses upstream connections of its own loop, so nothing is locked or handed between threads. The
 * most recently used connection is lent first; one that sat unused for {@code pool_idle_timeout} is
 * closed by its loop's sweep, which looks at the least recently used end of the list a few times
 * per timeout (instead of an idle-state handler in every connection's pipeline, which timed every
 * read and write of every request).
 */
public final class UpstreamPool implements UpstreamConnections {
    private static final int MAX_IDLE_PER_LOOP = 64;

    /** An unused connection, and since when (System.nanoTime). */
    private record Unused(Channel channel, long since) {}

    /** One loop's unused connections, least recently used first, and its sweep. */
    private static final class LoopIdle {
        final ArrayDeque<Unused> unused = new ArrayDeque<>();
        ScheduledFuture<?> sweep;
    }

    private final Bootstrap bootstrap;
    private final long poolIdleNanos;
    private final Map<EventLoop, LoopIdle> idle = new ConcurrentHashMap<>();
    private volatile boolean retired;

    public UpstreamPool(Settings.Upstream upstream, Transport transport, EventLoopGroup group, ByteBufAllocator alloc) {
        this.poolIdleNanos = upstream.poolIdleTimeout().toNanos();
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(transport.socketChannel())
                .remoteAddress(upstream.host(), upstream.port())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, upstream.connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, alloc)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("codec", new HttpClientCodec(new HttpDecoderConfig()
                                .setMaxInitialLineLength(8192)
                                .setMaxHeaderSize(64 * 1024)
                                .setMaxChunkSize(64 * 1024), false, false));
                        ch.pipeline().addLast("upstream", new UpstreamHandler(UpstreamPool.this));
                    }
                });
    }

    /** An idle, open connection on {@code loop}, or null. Call on {@code loop}. */
    @Override
    public Channel poll(EventLoop loop) {
        LoopIdle l = idle.get(loop);
        if (l == null) {
            return null;
        }
        Unused u;
        while ((u = l.unused.pollLast()) != null) {
            if (u.channel().isActive()) {
                return u.channel();
            }
        }
        return null;
    }

    /** Opens a new connection registered on {@code loop}. */
    @Override
    public ChannelFuture connect(EventLoop loop) {
        return bootstrap.clone(loop).connect();
    }

    /** Takes back a connection whose response was read to the end. Call on its loop. */
    @Override
    public void release(Channel ch) {
        if (!ch.isActive()) {
            return;
        }
        if (retired) {
            ch.close(); // Ollama moved: its old address gets no more requests
            return;
        }
        ch.config().setAutoRead(true);
        EventLoop loop = ch.eventLoop();
        LoopIdle l = idle.get(loop);
        if (l == null) {
            l = idle.computeIfAbsent(loop, k -> new LoopIdle());
        }
        if (l.unused.size() >= MAX_IDLE_PER_LOOP) {
            ch.close();
            return;
        }
        l.unused.addLast(new Unused(ch, System.nanoTime()));
        if (l.sweep == null) {
            long every = Math.max(TimeUnit.MILLISECONDS.toNanos(50), poolIdleNanos / 4);
            LoopIdle swept = l;
            l.sweep = loop.scheduleAtFixedRate(() -> sweep(swept), every, every, TimeUnit.NANOSECONDS);
        }
    }

    /** Closes the connections unused for the pool's idle timeout (on their loop). */
    private void sweep(LoopIdle l) {
        long now = System.nanoTime();
        Unused u;
        while ((u = l.unused.peekFirst()) != null && now - u.since() >= poolIdleNanos) {
            l.unused.pollFirst();
            u.channel().close();
        }
    }

    void remove(Channel ch) {
        LoopIdle l = idle.get(ch.eventLoop());
        if (l != null) {
            l.unused.removeIf(u -> u.channel() == ch);
        }
    }

    /** Idle connections across loops, for tests. */
    public int idleCount() {
        int n = 0;
        for (LoopIdle l : idle.values()) {
            n += l.unused.size();
        }
        return n;
    }

    /**
     * No more connections are kept: the idle ones close (each on its own loop) and those of
     * requests still in progress close when they end.
     */
    public void retire() {
        retired = true;
        idle.forEach((loop, l) -> loop.execute(() -> {
            stopSweep(l);
            Unused u;
            while ((u = l.unused.pollLast()) != null) {
                u.channel().close();
            }
        }));
    }

    public void closeAll() {
        for (LoopIdle l : idle.values()) {
            stopSweep(l);
            for (Unused u : l.unused.toArray(new Unused[0])) {
                u.channel().close();
            }
        }
    }

    private static void stopSweep(LoopIdle l) {
        ScheduledFuture<?> s = l.sweep;
        if (s != null) {
            s.cancel(false);
        }
    }
}
