package dev.corral.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * Stage 1, accept: the transport pipeline of a client connection, one stage per line. TLS joins at
 * the front in issue #5.
 */
final class GatewayInitializer extends ChannelInitializer<Channel> {
    private final Gateway gw;

    GatewayInitializer(Gateway gw) {
        this.gw = gw;
    }

    @Override
    protected void initChannel(Channel ch) {
        ClientHandler handler = new ClientHandler(gw);
        ch.pipeline().addLast("bytes", new ByteWatch(handler));
        ch.pipeline().addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(gw.settings.maxRequestLineBytes())
                .setMaxHeaderSize(gw.settings.maxHeaderBytes())
                .setMaxChunkSize(64 * 1024)
                .setAllowDuplicateContentLengths(false)
                .setValidateHeaders(true)));
        ch.pipeline().addLast("gateway", handler);
    }
}
