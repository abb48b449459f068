package dev.corral.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * Stage 1, accept: the transport pipeline of a client connection, one stage per line: TLS (when
 * configured, with the certificate current at accept time, behind a check that answers plain HTTP
 * sent to the TLS port with a 400 naming the https:// URL), the byte watch for the header timeout,
 * HTTP/1.1 decoding with hard limits, HSTS on TLS responses, then the gateway.
 */
final class GatewayInitializer extends ChannelInitializer<Channel> {
    private static final Cors.Headers CORS_HEADERS = new Cors.Headers();
    private final Gateway gw;

    GatewayInitializer(Gateway gw) {
        this.gw = gw;
    }

    @Override
    protected void initChannel(Channel ch) {
        ClientHandler handler = new ClientHandler(gw);
        if (gw.tls != null) {
            io.netty.handler.ssl.SslHandler ssl = gw.tls.current().newHandler(ch.alloc());
            ssl.setHandshakeTimeoutMillis(gw.settings.headerTimeout().toMillis());
            ch.pipeline().addLast("plain-http", new PlainHttpOnTlsPort());
            ch.pipeline().addLast("tls", ssl);
        }
        ch.pipeline().addLast("bytes", new ByteWatch(handler));
        ch.pipeline().addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(gw.settings.maxRequestLineBytes())
                .setMaxHeaderSize(gw.settings.maxHeaderBytes())
                .setMaxChunkSize(64 * 1024)
                .setAllowDuplicateContentLengths(false)
                .setValidateHeaders(true)));
        if (gw.tls != null && !gw.settings.tls().hsts().isEmpty()) {
            ch.pipeline().addLast("hsts", new HstsHandler(gw.settings.tls().hsts()));
        }
        if (gw.cors.enabled()) {
            ch.pipeline().addLast("cors", CORS_HEADERS);
        }
        ch.pipeline().addLast("gateway", handler);
    }
}
