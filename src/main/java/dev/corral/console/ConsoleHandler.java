package dev.corral.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.admin.AdminAccess;
import dev.corral.admin.AdminError;
import dev.corral.admin.AdminRoutes;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves /console/… on one admin connection: the page's files (with a strict Content-Security-Policy
 * and no framing), sign-in and sign-out (/console/session), and the live view's event stream
 * (/console/events/live, GET /admin/v1/live once a second as server-sent events). Everything else
 * goes on to the admin API.
 */
final class ConsoleHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConsoleHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** No inline script or style, nothing from another origin, no framing, no form posts elsewhere. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final String SESSION = "/console/session";
    private static final String LIVE = "/console/events/live";

    private final ConsoleAssets assets;
    private final ConsoleSessions sessions;
    private final AdminRoutes routes;
    private final AdminAccess access;
    private final boolean socket;
    private final boolean tls;
    private boolean streaming;

    ConsoleHandler(ConsoleAssets assets, ConsoleSessions sessions, AdminRoutes routes, AdminAccess access, boolean socket, boolean tls) {
        this.assets = assets;
        this.sessions = sessions;
        this.routes = routes;
        this.access = access;
        this.socket = socket;
        this.tls = tls;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (streaming) {
            ReferenceCountUtil.release(msg); // a request on a connection that carries an event stream
            return;
        }
        if (!(msg instanceof FullHttpRequest req)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String path = new QueryStringDecoder(req.uri()).path();
        if (!path.equals("/console") && !path.startsWith("/console/")) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            serve(ctx, req, new QueryStringDecoder(req.uri()), path);
        } catch (AdminError e) {
            json(ctx, req, e.status(), JsonNodeFactory.instance.objectNode().put("error", e.getMessage()), null);
        } catch (RuntimeException e) {
            log.error("console request {} failed", path, e);
            json(ctx, req, 500, JsonNodeFactory.instance.objectNode().put("error", "internal error (see the server's log)"), null);
        } finally {
            req.release();
        }
    }

    private void serve(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder q, String path) {
        HttpMethod m = req.method();
        if (path.equals("/console")) {
            FullHttpResponse r = response(ctx, HttpResponseStatus.PERMANENT_REDIRECT, "text/plain; charset=utf-8", new byte[0]);
            r.headers().set(HttpHeaderNames.LOCATION, "/console/");
            send(ctx, req, r);
        } else if (path.equals(SESSION)) {
            if (m.equals(HttpMethod.GET)) {
                whoAmI(ctx, req);
            } else if (m.equals(HttpMethod.POST)) {
                signIn(ctx, req);
            } else if (m.equals(HttpMethod.DELETE)) {
                signOut(ctx, req);
            } else {
                throw new AdminError(405, m + " is not allowed on " + SESSION);
            }
        } else if (path.equals(LIVE) && m.equals(HttpMethod.GET)) {
            live(ctx, req, q);
        } else {
            ConsoleAssets.Asset a = assets.get(path);
            if (a == null || !(m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD))) {
                throw new AdminError(a == null ? 404 : 405, a == null ? "no console page " + path : m + " is not allowed on " + path);
            }
            FullHttpResponse r = response(ctx, HttpResponseStatus.OK, a.contentType(), m.equals(HttpMethod.HEAD) ? new byte[0] : a.bytes());
            r.headers().set(HttpHeaderNames.CACHE_CONTROL, a.immutable() ? "public, max-age=31536000, immutable" : "no-cache");
            send(ctx, req, r);
        }
    }

    /** GET /console/session: who the session is, and its CSRF token, for the page (same origin only can read it). */
    private void whoAmI(ChannelHandlerContext ctx, FullHttpRequest req) {
        String token = BrowserChecks.sessionToken(req.headers().get(HttpHeaderNames.COOKIE));
        ConsoleSessions.Session s = sessions.find(token).orElse(null);
        if (s == null) {
            // 200, not 401: the page asks this first, and a 401 would be an error in the browser's console
            json(ctx, req, 200, JsonNodeFactory.instance.objectNode().put("signed_in", false)
                    .put("local", localSignIn(req)), null);
            return;
        }
        json(ctx, req, 200, describe(s), null);
    }

    /** A local sign-in (no key) is for the socket, reached through a loopback name (ssh -L), never a rebound one. */
    private boolean localSignIn(FullHttpRequest req) {
        return socket && BrowserChecks.loopbackHost(req.headers().get(HttpHeaderNames.HOST));
    }

    /**
     * POST /console/session {"key": "..."}: over TCP an admin key (checked, and failures counted, by the
     * listener's own access); on the socket none. JSON only, and from the console's own origin, so no
     * other site can post it (a cross-site JSON post needs a preflight, which this listener never grants).
     */
    private void signIn(ChannelHandlerContext ctx, FullHttpRequest req) {
        HttpHeaders h = req.headers();
        String type = h.get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new AdminError(415, "sign in with a JSON body: {\"key\": \"...\"}");
        }
        if (!BrowserChecks.sameOrigin(h.get(HttpHeaderNames.ORIGIN), h.get("Sec-Fetch-Site"), h.get(HttpHeaderNames.HOST), tls)) {
            throw new AdminError(403, "refused: a request from another site");
        }
        JsonNode body;
        try {
            body = JSON.readTree(req.content().toString(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new AdminError(400, "the body is not valid JSON");
        }
        String key = body == null || !body.path("key").isTextual() ? "" : body.path("key").asText().trim();
        String actor;
        String keyId = null;
        if (socket) {
            if (!localSignIn(req)) {
                throw new AdminError(403, "refused: the console on the admin socket answers only to a loopback name (localhost)");
            }
            actor = access.actor(ctx.channel(), req);
        } else {
            if (key.isEmpty()) {
                throw new AdminError(400, "key: an admin key is required (corral keys create --name ops --scope admin)");
            }
            DefaultFullHttpRequest probe = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, SESSION);
            try {
                probe.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + key);
                actor = access.actor(ctx.channel(), probe);
            } finally {
                probe.release();
            }
            keyId = actor.startsWith("key:") ? actor.substring(4) : null;
        }
        ConsoleSessions.Opened o = sessions.open(actor, keyId);
        log.info("console: {} signed in", actor);
        json(ctx, req, 200, describe(o.session()), cookie(o.token(), ConsoleSessions.LIFETIME.toSeconds()));
    }

    /** DELETE /console/session: needs the session and its CSRF token, like any change. */
    private void signOut(ChannelHandlerContext ctx, FullHttpRequest req) {
        String token = BrowserChecks.sessionToken(req.headers().get(HttpHeaderNames.COOKIE));
        ConsoleSessions.Session s = sessions.find(token).orElse(null);
        if (s != null) {
            if (!BrowserChecks.sameOrigin(req.headers().get(HttpHeaderNames.ORIGIN), req.headers().get("Sec-Fetch-Site"),
                    req.headers().get(HttpHeaderNames.HOST), tls) || !s.csrfMatches(req.headers().get(BrowserChecks.CSRF_HEADER))) {
                throw new AdminError(403, "refused: the " + BrowserChecks.CSRF_HEADER + " header is missing or wrong");
            }
            sessions.end(token);
            log.info("console: {} signed out", s.actor());
        }
        json(ctx, req, 200, JsonNodeFactory.instance.objectNode().put("signed_in", false), cookie("", 0));
    }

    /**
     * GET /console/events/live?csrf=…: the session, and its CSRF token in the query (an EventSource
     * cannot send headers); then GET /admin/v1/live as one event a second, until the session ends.
     */
    private void live(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder q) {
        String token = BrowserChecks.sessionToken(req.headers().get(HttpHeaderNames.COOKIE));
        ConsoleSessions.Session s = sessions.find(token)
                .orElseThrow(() -> new AdminError(401, "the console session has ended: sign in again"));
        String csrf = q.parameters().containsKey("csrf") ? q.parameters().get("csrf").get(0) : null;
        if (!BrowserChecks.sameOrigin(req.headers().get(HttpHeaderNames.ORIGIN), req.headers().get("Sec-Fetch-Site"),
                req.headers().get(HttpHeaderNames.HOST), tls) || !s.csrfMatches(csrf)) {
            throw new AdminError(403, "refused: the csrf parameter is missing or wrong");
        }
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        secure(r.headers());
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setTransferEncodingChunked(r, true);
        streaming = true;
        ctx.writeAndFlush(r);
        String actor = s.actor();
        ScheduledFuture<?> tick = ctx.executor().scheduleAtFixedRate(() -> tick(ctx, token, actor), 0, 1, TimeUnit.SECONDS);
        ctx.channel().closeFuture().addListener(f -> tick.cancel(false));
    }

    private void tick(ChannelHandlerContext ctx, String token, String actor) {
        if (sessions.find(token).isEmpty()) {
            event(ctx, "event: end\ndata: {}\n\n");
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!ctx.channel().isActive() || !ctx.channel().isWritable()) {
            return; // a reader that does not keep up misses a snapshot, never piles them up
        }
        try {
            event(ctx, "data: " + routes.invoke(HttpMethod.GET, "/admin/v1/live", actor).body() + "\n\n");
        } catch (Exception e) {
            log.error("console: reading /admin/v1/live failed", e);
            ctx.close();
        }
    }

    private static void event(ChannelHandlerContext ctx, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = ctx.alloc().buffer(b.length).writeBytes(b);
        ctx.writeAndFlush(new DefaultHttpContent(buf));
    }

    private ObjectNode describe(ConsoleSessions.Session s) {
        return JsonNodeFactory.instance.objectNode().put("signed_in", true).put("actor", s.actor())
                .put("csrf", s.csrf()).put("expires_at", s.expires().toString()).put("local", s.keyId() == null);
    }

    /** The session cookie: HttpOnly, SameSite=Strict, Secure over TLS, for the whole listener (the page calls /admin/v1/). */
    private String cookie(String value, long maxAge) {
        DefaultCookie c = new DefaultCookie(BrowserChecks.COOKIE, value);
        c.setHttpOnly(true);
        c.setSecure(tls);
        c.setPath("/");
        c.setMaxAge(maxAge);
        c.setSameSite(io.netty.handler.codec.http.cookie.CookieHeaderNames.SameSite.Strict);
        return ServerCookieEncoder.STRICT.encode(c);
    }

    private void json(ChannelHandlerContext ctx, FullHttpRequest req, int status, JsonNode body, String setCookie) {
        FullHttpResponse r = response(ctx, HttpResponseStatus.valueOf(status), "application/json",
                (body.toString() + "\n").getBytes(StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (setCookie != null) {
            r.headers().set(HttpHeaderNames.SET_COOKIE, setCookie);
        }
        send(ctx, req, r);
    }

    private static FullHttpResponse response(ChannelHandlerContext ctx, HttpResponseStatus status, String type, byte[] bytes) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, ctx.alloc().buffer(bytes.length).writeBytes(bytes));
        secure(r.headers());
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return r;
    }

    /** The headers every console answer carries. */
    static void secure(HttpHeaders h) {
        h.set("Content-Security-Policy", CSP)
                .set("X-Content-Type-Options", "nosniff")
                .set("X-Frame-Options", "DENY")
                .set("Referrer-Policy", "no-referrer")
                .set("Cross-Origin-Opener-Policy", "same-origin")
                .set("Cross-Origin-Resource-Policy", "same-origin");
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse r) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, "close");
        }
        ctx.writeAndFlush(r).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }
}
