package dev.corral.server;

import dev.corral.pipeline.ErrorResponses;
import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.LocalAnswer;
import dev.corral.refusal.Refusal;
import dev.corral.upstream.HopByHop;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The responses a connection writes, and the one place that decides their framing and
 * {@code Connection} header: a refusal in the client's dialect, a local answer, the head of a
 * forwarded answer (Ollama's Content-Length, else chunked for HTTP/1.1 or close-delimited for
 * HTTP/1.0), each with the request id and, for an allowed browser origin, its CORS header.
 */
final class Responses {
    private static final byte[] HEADER_TIMEOUT = "{\"error\":\"request headers not received in time\"}".getBytes(StandardCharsets.UTF_8);

    private Responses() {}

    static boolean keepAlive(HttpRequest req, boolean mustClose) {
        return HttpUtil.isKeepAlive(req) && !mustClose;
    }

    /** Connection: close when closing; keep-alive said out loud to an HTTP/1.0 client that keeps the connection. */
    private static void connection(HttpResponse r, HttpRequest req, boolean keepAlive) {
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!req.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    private static void cors(HttpResponse r, Exchange ex) {
        if (ex.corsOrigin() != null && !r.headers().contains(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN)) {
            r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, ex.corsOrigin());
            r.headers().add(HttpHeaderNames.VARY, "Origin");
        }
    }

    static FullHttpResponse refusal(ByteBufAllocator alloc, Exchange ex, Refusal r, boolean keepAlive) {
        boolean head = ex.request().method().equals(HttpMethod.HEAD);
        FullHttpResponse resp = ErrorResponses.response(alloc, ex.dialect(), keepAlive ? r : r.closing(), ex.requestId(), head);
        connection(resp, ex.request(), keepAlive);
        cors(resp, ex);
        return resp;
    }

    static FullHttpResponse answer(ByteBufAllocator alloc, Exchange ex, LocalAnswer a, boolean keepAlive) {
        boolean head = ex.request().method().equals(HttpMethod.HEAD);
        byte[] body = a.body();
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(a.status()),
                head || body.length == 0 ? alloc.buffer(0) : alloc.buffer(body.length).writeBytes(body));
        a.headers().forEach((k, v) -> r.headers().set(k, v));
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        r.headers().set(HopByHop.REQUEST_ID, ex.requestId());
        connection(r, ex.request(), keepAlive);
        cors(r, ex);
        return r;
    }

    /**
     * Frames the head of a forwarded answer for this client; returns whether the connection stays
     * open after it. {@code bodyless}: HEAD, 204, 304 (no body, so no chunking).
     */
    static boolean frame(HttpResponse out, Exchange ex, boolean bodyless, boolean closing) {
        boolean closeDelimited = false;
        if (!out.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && !bodyless) {
            if (ex.request().protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                HttpUtil.setTransferEncodingChunked(out, true);
            } else {
                closeDelimited = true; // an HTTP/1.0 client reads to the end of the connection
            }
        }
        boolean keepAlive = HttpUtil.isKeepAlive(ex.request()) && !closeDelimited && !closing;
        connection(out, ex.request(), keepAlive);
        cors(out, ex);
        return keepAlive;
    }

    /** A whole answer (a filtered model list) with its length. */
    static FullHttpResponse full(HttpResponse head, ByteBuf content) {
        FullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, head.status(), content, head.headers(),
                EmptyHttpHeaders.INSTANCE);
        full.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        return full;
    }

    static FullHttpResponse continue100(ByteBufAllocator alloc) {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, alloc.buffer(0));
    }

    static FullHttpResponse headerTimeout(ByteBufAllocator alloc) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_TIMEOUT,
                alloc.buffer(HEADER_TIMEOUT.length).writeBytes(HEADER_TIMEOUT));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, HEADER_TIMEOUT.length);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }
}
