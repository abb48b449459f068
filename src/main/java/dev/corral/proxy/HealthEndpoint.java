package dev.corral.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /healthz}: Corral's own readiness probe for load balancers, answered without a key.
 * 200 when Ollama answers, 503 when it does not. It says no more than that (no versions, no
 * addresses): the details are in Corral's log.
 */
final class HealthEndpoint {
    static final String PATH = "/healthz";

    private HealthEndpoint() {}

    static boolean matches(HttpRequest req) {
        return (req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD)) && req.uri().equals(PATH);
    }

    static FullHttpResponse response(ByteBufAllocator alloc, UpstreamHealth health, HttpRequest req, String requestId) {
        boolean up = health.reachable();
        String json = up ? "{\"status\":\"ok\",\"upstream\":\"reachable\"}"
                : "{\"status\":\"unavailable\",\"upstream\":\"unreachable\"}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        boolean head = req.method().equals(HttpMethod.HEAD);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                head ? alloc.buffer(0) : alloc.buffer(bytes.length).writeBytes(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        r.headers().set(HopByHop.REQUEST_ID, requestId);
        return r;
    }
}
