package dev.corral.pipeline;

import dev.corral.upstream.UpstreamHealth;
import dev.corral.usage.UsageHealth;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /healthz}: Corral's own readiness probe for load balancers, answered without a key.
 * 200 when Ollama answers and requests are served ({@code "status":"ok"}, or {@code "degraded"}
 * when usage records wait for the store or the usage journal cannot be written, or shared limits
 * cannot reach Redis: served, but say so), 503 when Ollama does not answer or usage accounting is full and new requests are refused.
 * It says no more than that (no versions, no addresses, no file names): the details are in
 * Corral's log.
 */
public final class Health implements Step {
    static final String PATH = "/healthz";

    private final UpstreamHealth upstream;
    private final Supplier<UsageHealth> usage;
    private final Supplier<String> limits;

    public Health(UpstreamHealth upstream, Supplier<UsageHealth> usage) {
        this(upstream, usage, () -> null);
    }

    /** @param limits null while limits are kept as configured, else why not (shared limits unreachable) */
    public Health(UpstreamHealth upstream, Supplier<UsageHealth> usage, Supplier<String> limits) {
        this.upstream = upstream;
        this.usage = usage;
        this.limits = limits;
    }

    @Override
    public Decision apply(Exchange ex) {
        HttpRequest req = ex.request();
        if (!(req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD)) || !req.uri().equals(PATH)) {
            return Decision.CONTINUE;
        }
        boolean up = upstream.reachable();
        UsageHealth u = usage.get();
        String limitsDetail = limits.get();
        boolean serving = up && !u.refusing();
        StringBuilder json = new StringBuilder(160).append("{\"status\":\"")
                .append(!serving ? "unavailable" : u.degraded() || limitsDetail != null ? "degraded" : "ok")
                .append("\",\"upstream\":\"").append(up ? "reachable" : "unreachable").append('"');
        if (u.detail() != null) {
            json.append(",\"usage\":");
            quote(json, u.detail());
        }
        if (limitsDetail != null) {
            json.append(",\"limits\":");
            quote(json, limitsDetail);
        }
        byte[] bytes = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        boolean bodyUnread = ReadBody.hasBody(req);
        return Decision.answer(new LocalAnswer(serving ? 200 : 503,
                Map.of("Content-Type", "application/json", "Cache-Control", "no-store"), bytes, bodyUnread));
    }

    /** A JSON string; the detail is Corral's own short phrase, escaped all the same. */
    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }
}
