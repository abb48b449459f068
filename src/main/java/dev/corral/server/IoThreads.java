package dev.corral.server;

import dev.corral.net.Transport;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;

/**
 * The event loops and the buffer allocator the public listener and its upstream connections share:
 * a client connection and its upstream connection live on the same loop, so a request never
 * changes thread. Our own pooled allocator, not the global default (Netty 4.2 changed it), so its
 * metrics are ours alone.
 */
public final class IoThreads implements AutoCloseable {
    private final Transport transport;
    private final EventLoopGroup group;
    private final PooledByteBufAllocator alloc;

    private IoThreads(Transport transport, EventLoopGroup group, PooledByteBufAllocator alloc) {
        this.transport = transport;
        this.group = group;
        this.alloc = alloc;
    }

    public static IoThreads start(int threads) {
        Transport t = Transport.best();
        return new IoThreads(t, t.newGroup(threads, "corral-io"), new PooledByteBufAllocator(true));
    }

    public Transport transport() {
        return transport;
    }

    public EventLoopGroup group() {
        return group;
    }

    public PooledByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
