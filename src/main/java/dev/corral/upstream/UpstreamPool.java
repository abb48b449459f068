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
import io.netty.handler.timeout.IdleStateHandler;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to Ollama, one idle list per event loop: a client connection only ever
 * uses upstream connections of its own loop, so nothing is locked or handed between threads.
 */
public final class UpstreamPool implements UpstreamConnections {
    private static final int MAX_IDLE_PER_LOOP = 64;

    private final Bootstrap bootstrap;
    private final Map<EventLoop, ArrayDeque<Channel>> idle = new ConcurrentHashMap<>();
    private volatile boolean retired;

    public UpstreamPool(Settings.Upstream upstream, Transport transport, EventLoopGroup group, ByteBufAllocator alloc) {
        long poolIdle = upstream.poolIdleTimeout().toMillis();
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
                        ch.pipeline().addLast("pool-idle", new IdleStateHandler(0, 0, poolIdle, TimeUnit.MILLISECONDS));
                        ch.pipeline().addLast("upstream", new UpstreamHandler(UpstreamPool.this));
                    }
                });
    }

    /** An idle, open connection on {@code loop}, or null. Call on {@code loop}. */
    @Override
    public Channel poll(EventLoop loop) {
        ArrayDeque<Channel> q = idle.get(loop);
        if (q == null) {
            return null;
        }
        Channel ch;
        while ((ch = q.pollLast()) != null) {
            if (ch.isActive()) {
                return ch;
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
        ArrayDeque<Channel> q = idle.computeIfAbsent(ch.eventLoop(), l -> new ArrayDeque<>());
        if (q.size() >= MAX_IDLE_PER_LOOP) {
            ch.close();
            return;
        }
        q.addLast(ch);
    }

    void remove(Channel ch) {
        ArrayDeque<Channel> q = idle.get(ch.eventLoop());
        if (q != null) {
            q.remove(ch);
        }
    }

    /** Idle connections across loops, for tests. */
    public int idleCount() {
        int n = 0;
        for (ArrayDeque<Channel> q : idle.values()) {
            n += q.size();
        }
        return n;
    }

    /**
     * No more connections are kept: the idle ones close (each on its own loop) and those of
     * requests still in progress close when they end.
     */
    public void retire() {
        retired = true;
        idle.forEach((loop, q) -> loop.execute(() -> {
            Channel ch;
            while ((ch = q.pollLast()) != null) {
                ch.close();
            }
        }));
    }

    public void closeAll() {
        for (ArrayDeque<Channel> q : idle.values()) {
            for (Channel ch : q.toArray(new Channel[0])) {
                ch.close();
            }
        }
    }
}
