package dev.corral.server;

import dev.corral.access.KeyHashMemo;
import dev.corral.config.Settings;
import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.RequestPath;
import dev.corral.tls.ReloadingTls;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import java.time.Clock;

/**
 * What every connection of the public listener shares: the settings and the request path in force
 * (replaced together, atomically, when the configuration is reloaded: a request keeps the path it
 * started on), TLS, the clock; it makes each request's {@link Exchange}.
 */
final class Listener {
    /** The settings and the path built from them. */
    record Current(Settings settings, RequestPath path) {}

    private volatile Current current;
    private final ReloadingTls tls;
    private final Clock clock;

    Listener(Settings settings, RequestPath path, ReloadingTls tls, Clock clock) {
        this.current = new Current(settings, path);
        this.tls = tls;
        this.clock = clock;
    }

    Settings settings() {
        return current.settings();
    }

    RequestPath path() {
        return current.path();
    }

    void use(Settings settings, RequestPath path) {
        current = new Current(settings, path);
    }

    ReloadingTls tls() {
        return tls;
    }

    /**
     * A new exchange for a request that arrived on {@code ctx}'s connection, from {@code peer}; over
     * TLS the client certificate is read from the session (it is the connection's, but looked up per
     * request, as a TLS 1.2 renegotiation could change it).
     */
    Exchange exchange(HttpRequest req, ChannelHandlerContext ctx, KeyHashMemo keyMemo, java.net.InetAddress peer, boolean tls) {
        Exchange ex = new Exchange(RequestIds.next(), clock.instant(), System.nanoTime(), req,
                peer, tls ? Peers.certificate(ctx.pipeline()) : null, ctx.channel().eventLoop(), tls);
        ex.canceller(() -> ctx.channel().close());
        ex.keyMemo(keyMemo);
        return ex;
    }
}
