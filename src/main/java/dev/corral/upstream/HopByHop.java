package dev.corral.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Copies headers across the proxy without the hop-by-hop ones (RFC 9110 §7.6.1): the fixed list plus
 * every header the Connection header names. Framing headers are dropped too: the proxy re-frames
 * each side itself.
 */
public final class HopByHop {
    private static final Set<String> ALWAYS = Set.of(
            "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
            "proxy-authorization", "proxy-authenticate", "content-length", "host", "expect", "http2-settings");

    /** Headers that carry the client's credentials to Corral; Ollama never sees them. */
    private static final Set<String> CREDENTIALS = Set.of("authorization", "x-api-key", "cookie");

    private HopByHop() {}

    /** Request headers for Ollama: end-to-end only, no credentials, no Accept-Encoding (the usage tap reads plain bytes). */
    public static void copyRequest(HttpHeaders from, HttpHeaders to) {
        Set<String> named = connectionTokens(from);
        for (Map.Entry<String, String> h : from) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (ALWAYS.contains(name) || CREDENTIALS.contains(name) || named.contains(name)
                    || name.equals("accept-encoding") || name.equals("x-request-id") || name.startsWith("x-forwarded-")
                    || name.equals("forwarded")) {
                continue;
            }
            to.add(h.getKey(), h.getValue());
        }
    }

    /** Response headers for the client: end-to-end only. */
    public static void copyResponse(HttpHeaders from, HttpHeaders to) {
        Set<String> named = connectionTokens(from);
        for (Map.Entry<String, String> h : from) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (ALWAYS.contains(name) || named.contains(name) || name.equals("x-request-id")) {
                continue;
            }
            to.add(h.getKey(), h.getValue());
        }
    }

    private static Set<String> connectionTokens(HttpHeaders headers) {
        Set<String> out = new HashSet<>();
        for (String v : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String t : v.split(",")) {
                String token = t.trim().toLowerCase(Locale.ROOT);
                if (!token.isEmpty()) {
                    out.add(token);
                }
            }
        }
        return out;
    }

    public static final AsciiString REQUEST_ID = AsciiString.cached("X-Request-Id");
}
