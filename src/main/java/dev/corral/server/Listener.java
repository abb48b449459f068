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

    /** A new exchange for a request that arrived on {@code ctx}'s connection. */
    Exchange exchange(HttpRequest req, ChannelHandlerContext ctx, KeyHashMemo keyMemo) {
        Exchange ex = new Exchange(RequestIds.next(), clock.instant(), System.nanoTime(), req,
                Peers.address(ctx.channel()), Peers.certificate(ctx.pipeline()), ctx.channel().eventLoop(),
                Peers.tls(ctx.pipeline()));
        ex.canceller(() -> ctx.channel().close());
        ex.keyMemo(keyMemo);
        return ex;
    }
}
