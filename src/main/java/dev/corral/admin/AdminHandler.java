package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.corral.store.StoreException;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries admin calls in and JSON answers out: matches the route, runs its handler, and renders a
 * refusal as {"error": "..."} with its status. A handler that breaks is a 500 whose details go to
 * the log only. The caller's identity is read once per connection.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    private final AdminRoutes routes;
    private final AdminAccess access;

    AdminHandler(AdminRoutes routes, AdminAccess access) {
        this.routes = routes;
        this.access = access;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (ChannelReplier.busy(ctx.channel())) {
            return; // a request sent while a later answer is pending: that answer closes the connection
        }
        AdminRoutes.Reply reply;
        if (!req.decoderResult().isSuccess()) {
            reply = error(400, "malformed request");
        } else {
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            AdminRoutes.Match m = routes.match(req.method(), q.path());
            if (m.handler() == null) {
                reply = m.status() == 405 ? error(405, req.method() + " is not allowed on " + q.path())
                        : error(404, "no admin route " + q.path());
            } else {
                reply = call(ctx, req, q, m);
            }
        }
        if (reply.later() != null) {
            ChannelReplier.start(ctx, reply.later());
            return;
        }
        respond(ctx, reply, HttpUtil.isKeepAlive(req));
    }

    /** Writes a whole JSON reply; closes the connection after it unless {@code keepAlive}. */
    static void respond(ChannelHandlerContext ctx, AdminRoutes.Reply reply, boolean keepAlive) {
        byte[] bytes = reply.bytes() != null ? reply.bytes()
                : (reply.body().toString() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                ctx.alloc().buffer(bytes.length).writeBytes(bytes));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE,
                reply.contentType() != null ? reply.contentType() : HttpHeaderValues.APPLICATION_JSON);
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        resp.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (reply.status() == 401) {
            resp.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"corral-admin\"");
        }
        if (!keepAlive) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(resp).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }

    private AdminRoutes.Reply call(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder q, AdminRoutes.Match m) {
        String actor;
        try {
            actor = access.actor(ctx.channel(), req);
        } catch (AdminError e) {
            return error(e.status(), e.getMessage());
        }
        return run(m.handler(), new AdminCall(req.method().name(), m.params(), q.parameters(),
                ByteBufUtil.getBytes(req.content()), actor));
    }

    private static AdminRoutes.Reply run(AdminRoutes.Handler handler, AdminCall call) {
        try {
            return handler.handle(call);
        } catch (AdminError e) {
            return error(e.status(), e.getMessage());
        } catch (StoreException e) {
            log.error("admin call {} failed on the store: {}", call.method(), e.getMessage());
            return error(503, "the store is not available: " + e.getMessage());
        } catch (Exception e) {
            log.error("admin call {} failed", call.method(), e);
            return error(500, "internal error (see the server's log)");
        }
    }

    static AdminRoutes.Reply error(int status, String message) {
        JsonNode body = JsonNodeFactory.instance.objectNode().put("error", message);
        return new AdminRoutes.Reply(status, body);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection failed: {}", cause.toString());
        ctx.close();
    }
}
