package dev.corral.server;

import dev.corral.config.Settings;
import dev.corral.pipeline.ExchangeListener;
import dev.corral.pipeline.GatewayPath;
import dev.corral.admission.Admission;
import dev.corral.net.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The public listener: binds the address, owns the event loops, the upstream pool and the buffer
 * allocator. Client and upstream connections share event loops so a request never changes thread.
 */
public final class GatewayServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final UpstreamPool pool;
    private final PooledByteBufAllocator alloc;
    private dev.corral.tls.ReloadingTls tls;

    private GatewayServer(EventLoopGroup group, Channel channel, UpstreamPool pool, PooledByteBufAllocator alloc) {
        this.group = group;
        this.channel = channel;
        this.pool = pool;
        this.alloc = alloc;
    }

    public static GatewayServer start(Settings settings, dev.corral.route.RouteTable routes, GatewayPath path, UpstreamHealth health, Admission admission,
                                      dev.corral.tls.ReloadingTls tls, List<ExchangeListener> listeners, Clock clock,
                                      int threads) throws InterruptedException {
        return start(settings, routes, path, health, admission, tls, listeners, clock, threads,
                () -> dev.corral.usage.UsageHealth.OK);
    }

    /** @param usageHealth how usage accounting stands, reported by /healthz */
    public static GatewayServer start(Settings settings, dev.corral.route.RouteTable routes, GatewayPath path, UpstreamHealth health, Admission admission,
                                      dev.corral.tls.ReloadingTls tls, List<ExchangeListener> listeners, Clock clock,
                                      int threads, java.util.function.Supplier<dev.corral.usage.UsageHealth> usageHealth)
            throws InterruptedException {
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(threads, "corral-io");
        // Our own pooled allocator, not the global default (Netty 4.2 changed it): its metrics are ours alone.
        PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);
        try {
            UpstreamPool pool = new UpstreamPool(settings.upstream(), transport, group, alloc);
            Gateway gw = new Gateway(settings, routes, path, pool, health, admission, tls, listeners, alloc, clock, usageHealth);
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, alloc)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 128 * 1024))
                    .childHandler(new GatewayInitializer(gw));
            io.netty.channel.ChannelFuture bound = b.bind(settings.listen().toSocketAddress()).await();
            if (!bound.isSuccess()) {
                Throwable why = bound.cause();
                throw new dev.corral.config.ConfigException("listen.address: cannot listen on " + settings.listen() + ": "
                        + (why == null ? "bind failed" : why.getMessage())
                        + " (is another Corral or service using it? choose another with --listen)", why);
            }
            GatewayServer server = new GatewayServer(group, bound.channel(), pool, alloc);
            server.tls = tls;
            return server;
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Direct memory this listener's buffers use right now (the backpressure test watches it). */
    public long usedDirectMemory() {
        return alloc.metric().usedDirectMemory();
    }

    /** The listener's TLS context holder, or null without TLS. */
    public dev.corral.tls.ReloadingTls tls() {
        return tls;
    }

    public PooledByteBufAllocator allocator() {
        return alloc;
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.execute(pool::closeAll);
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
