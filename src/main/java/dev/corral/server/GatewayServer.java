package dev.corral.server;

import dev.corral.config.ConfigException;
import dev.corral.config.Settings;
import dev.corral.pipeline.RequestPath;
import dev.corral.tls.ReloadingTls;
import dev.corral.upstream.UpstreamPools;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The public listener: binds the address and hands each connection to a {@link Connection} that
 * runs the request path. The event loops are {@link IoThreads}'.
 */
public final class GatewayServer implements AutoCloseable {
    private final IoThreads io;
    private final Channel channel;
    private final UpstreamPools pool;
    private final ReloadingTls tls;
    private final Listener listener;

    private GatewayServer(IoThreads io, Channel channel, UpstreamPools pool, ReloadingTls tls, Listener listener) {
        this.io = io;
        this.channel = channel;
        this.pool = pool;
        this.tls = tls;
        this.listener = listener;
    }

    public static GatewayServer start(Settings settings, RequestPath path, IoThreads io, UpstreamPools pool, ReloadingTls tls,
                                      Clock clock) throws InterruptedException {
        Listener listener = new Listener(settings, path, tls, clock);
        ServerBootstrap b = new ServerBootstrap()
                .group(io.group())
                .channel(io.transport().serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096) // a thousand clients arriving at once are queued, not refused (the kernel caps it at somaxconn)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, io.alloc())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 128 * 1024))
                .childHandler(new ChannelSetup(listener));
        ChannelFuture bound = b.bind(settings.listen().toSocketAddress()).await();
        if (!bound.isSuccess()) {
            Throwable why = bound.cause();
            throw new ConfigException("listen.address: cannot listen on " + settings.listen() + ": "
                    + (why == null ? "bind failed" : why.getMessage())
                    + " (is another Corral or service using it? choose another with --listen)", why);
        }
        return new GatewayServer(io, bound.channel(), pool, tls, listener);
    }

    /**
     * A reloaded configuration: new requests take {@code path} (built from {@code settings}); requests in
     * progress finish on the path they started on. The listen address and TLS files are not changed here.
     */
    public void use(Settings settings, RequestPath path) {
        listener.use(settings, path);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Direct memory this listener's buffers use right now (the backpressure test watches it). */
    public long usedDirectMemory() {
        return io.alloc().metric().usedDirectMemory();
    }

    /** The listener's TLS context holder, or null without TLS. */
    public ReloadingTls tls() {
        return tls;
    }

    public PooledByteBufAllocator allocator() {
        return io.alloc();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        io.group().execute(pool::closeAll);
    }
}
