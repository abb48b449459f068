package dev.corral.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandler;

/**
 * A client connection's transport pipeline, one handler per line: TLS (when configured, with the
 * certificate current at accept time, behind a check that answers plain HTTP sent to the TLS port
 * with a 400 naming the https:// URL), the byte watch for the header timeout, HTTP/1.1 decoding
 * with hard limits, HSTS on TLS responses, then the {@link Connection}, which runs the request path.
 */
final class ChannelSetup extends ChannelInitializer<Channel> {
    /** The HTTP codec's name in the pipeline (Answers writes framed chunks under it). */
    static final String HTTP_CODEC = "http";

    private final Listener listener;

    ChannelSetup(Listener listener) {
        this.listener = listener;
    }

    @Override
    protected void initChannel(Channel ch) {
        Connection connection = new Connection(listener);
        var settings = listener.settings();
        if (listener.tls() != null) {
            SslHandler ssl = listener.tls().current().newHandler(ch.alloc());
            ssl.setHandshakeTimeoutMillis(settings.headerTimeout().toMillis());
            ch.pipeline().addLast("plain-http", new PlainHttpOnTlsPort());
            ch.pipeline().addLast("tls", ssl);
        }
        ch.pipeline().addLast("bytes", new ByteWatch(connection));
        ch.pipeline().addLast(HTTP_CODEC, new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(settings.maxRequestLineBytes())
                .setMaxHeaderSize(settings.maxHeaderBytes())
                .setMaxChunkSize(64 * 1024)
                .setAllowDuplicateContentLengths(false)
                .setValidateHeaders(true)));
        if (listener.tls() != null && !settings.tls().hsts().isEmpty()) {
            ch.pipeline().addLast("hsts", new HstsHandler(settings.tls().hsts()));
        }
        ch.pipeline().addLast("connection", connection);
    }
}
