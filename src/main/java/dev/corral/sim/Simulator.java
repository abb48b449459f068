package dev.corral.sim;

import dev.corral.net.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * `corral simulate`: an Ollama-compatible server without a GPU, faithful to shared/ollama-upstream.md
 * where a gateway can tell (routes, NDJSON and SSE framing, final counts, include_usage, errors,
 * Host check, cancellation), for trying policies and load before a real Ollama is in place.
 */
public final class Simulator implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final SimRecorder recorder;
    private final SimModels models;

    private Simulator(EventLoopGroup group, Channel channel, SimRecorder recorder, SimModels models) {
        this.group = group;
        this.channel = channel;
        this.recorder = recorder;
        this.models = models;
    }

    public static Simulator start(SimConfig config) throws InterruptedException {
        Transport t = Transport.best();
        EventLoopGroup group = t.newGroup(1, "corral-sim");
        SimRecorder recorder = new SimRecorder();
        SimModels models = new SimModels(config.models());
        HostCheck hostCheck = new HostCheck(config.listen().isLoopback());
        SimScheduler scheduler = new SimScheduler(recorder);
        // Its own allocator, so the simulator's buffers never count against the gateway's in tests.
        PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(t.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.ALLOCATOR, alloc)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec());
                            ch.pipeline().addLast(new HttpObjectAggregator(64 * 1024 * 1024));
                            ch.pipeline().addLast(new SimHandler(config, models, recorder, hostCheck, scheduler));
                        }
                    });
            Channel ch = b.bind(config.listen().toSocketAddress()).sync().channel();
            return new Simulator(group, ch, recorder, models);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    public SimRecorder recorder() {
        return recorder;
    }

    /**
     * Gives a model a new manifest digest, as a re-pull of a changed tag would (/api/tags and /api/show
     * report it from now on); false when the model is not there.
     */
    public boolean setDigest(String model, String digest) {
        return models.setDigest(model, digest);
    }

    /** A model's digest as /api/tags reports it, or null. */
    public String digest(String model) {
        SimModels.Model m = models.find(model);
        return m == null ? null : m.digest();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
