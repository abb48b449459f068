package dev.corral.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Adds Strict-Transport-Security (RFC 6797) to every response of a TLS listener, refusals included,
 * and X-Content-Type-Options: nosniff so no browser reads a JSON error as a page.
 */
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
            r.headers().set("X-Content-Type-Options", "nosniff");
        }
        ctx.write(msg, promise);
    }
}
