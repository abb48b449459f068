package dev.corral.proxy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;

/** Adds Strict-Transport-Security to every response of a TLS listener (RFC 6797), refusals included. */
@ChannelHandler.Sharable
final class HstsHandler extends ChannelOutboundHandlerAdapter {
    private final String value;

    HstsHandler(String value) {
        this.value = value;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r && r.status().code() >= 200) {
            r.headers().set("Strict-Transport-Security", value);
        }
        ctx.write(msg, promise);
    }
}
