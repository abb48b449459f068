package dev.corral.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;

/** Where an {@link UpstreamCall} gets its connection to Ollama, and gives it back. */
public interface UpstreamConnections {
    /** An idle, open connection on {@code loop} (its pipeline ends in an UpstreamHandler), or null. */
    Channel poll(EventLoop loop);

    /** A new connection registered on {@code loop}. */
    ChannelFuture connect(EventLoop loop);

    /** Takes back a connection whose response was read to its end. */
    void release(Channel ch);
}
