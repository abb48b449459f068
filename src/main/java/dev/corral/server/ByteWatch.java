package dev.corral.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** Sits before the HTTP decoder and tells the connection handler that bytes arrived (header timeout). */
final class ByteWatch extends ChannelInboundHandlerAdapter {
    private final Connection handler;

    ByteWatch(Connection handler) {
        this.handler = handler;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        handler.onBytes();
        ctx.fireChannelRead(msg);
    }
}
