package dev.corral.server;

import dev.corral.route.RouteMatch;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * CORS, deny by default: only origins listed in cors_origins get a preflight answer and an
 * Access-Control-Allow-Origin on responses; any other origin gets neither, so browsers refuse to
 * hand pages the answer. The origin of the request being answered is kept on the channel, since a
 * connection answers its requests one at a time.
 */
final class Cors {
    static final AttributeKey<String> ORIGIN = AttributeKey.valueOf("corral.cors.origin");

    private final List<String> allowed;

    Cors(List<String> allowed) {
        this.allowed = allowed;
    }

    boolean enabled() {
        return !allowed.isEmpty();
    }

    /** The request's Origin when it is allowed, else null. */
    String allowedOrigin(HttpRequest req) {
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        return origin != null && allowed.contains(origin.trim().toLowerCase(Locale.ROOT)) ? origin.trim() : null;
    }

    static boolean isPreflight(HttpRequest req) {
        return req.method().equals(HttpMethod.OPTIONS) && req.headers().contains(HttpHeaderNames.ORIGIN)
                && req.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    }

    /** 204 with the allowed methods of the route, for an allowed origin and a route that exists. */
    static FullHttpResponse preflight(ByteBufAllocator alloc, String origin, RouteMatch match) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT, alloc.buffer(0));
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS,
                match.route().methods().stream().map(HttpMethod::name).sorted().collect(Collectors.joining(", ")));
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type, x-api-key");
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
        r.headers().set(HttpHeaderNames.VARY, "Origin");
        return r;
    }

    /** Adds Access-Control-Allow-Origin for an allowed origin to the response of the request in progress. */
    @ChannelHandler.Sharable
    static final class Headers extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpResponse r && r.status().code() >= 200) {
                String origin = ctx.channel().attr(ORIGIN).get();
                if (origin != null && !r.headers().contains(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN)) {
                    r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                    r.headers().add(HttpHeaderNames.VARY, "Origin");
                }
            }
            ctx.write(msg, promise);
        }
    }
}
