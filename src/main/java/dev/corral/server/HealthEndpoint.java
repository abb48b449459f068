package dev.corral.server;

import dev.corral.usage.UsageHealth;
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
 * 200 when Ollama answers and requests are served ({@code "status":"ok"}, or {@code "degraded"}
 * when usage records wait for the store or the usage journal cannot be written: served, but say
 * so), 503 when Ollama does not answer or usage accounting is full and new requests are refused.
 * It says no more than that (no versions, no addresses, no file names): the details are in
 * Corral's log.
 */
final class HealthEndpoint {
    static final String PATH = "/healthz";

    private HealthEndpoint() {}

    static boolean matches(HttpRequest req) {
        return (req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD)) && req.uri().equals(PATH);
    }

    static FullHttpResponse response(ByteBufAllocator alloc, UpstreamHealth health, UsageHealth usage, HttpRequest req,
                                     String requestId) {
        boolean up = health.reachable();
        boolean serving = up && !usage.refusing();
        StringBuilder json = new StringBuilder(160).append("{\"status\":\"")
                .append(!serving ? "unavailable" : usage.degraded() ? "degraded" : "ok")
                .append("\",\"upstream\":\"").append(up ? "reachable" : "unreachable").append('"');
        if (usage.detail() != null) {
            json.append(",\"usage\":");
            quote(json, usage.detail());
        }
        byte[] bytes = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        boolean head = req.method().equals(HttpMethod.HEAD);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                serving ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                head ? alloc.buffer(0) : alloc.buffer(bytes.length).writeBytes(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        r.headers().set(HopByHop.REQUEST_ID, requestId);
        return r;
    }

    /** A JSON string; the detail is Corral's own short phrase, escaped all the same. */
    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }
}
