package dev.corral.pipeline;

import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;

/**
 * Requests whose framing or target is ambiguous are refused and their connection closed, rather
 * than read one way here and another way by Ollama (request smuggling, RFC 9112 §6.1 and §3.2):
 * Transfer-Encoding other than exactly "chunked", Transfer-Encoding with Content-Length or on
 * HTTP/1.0, a missing, repeated or malformed Host on HTTP/1.1, a request target that is not a path.
 */
final class FramingRules {
    private FramingRules() {}

    static Refusal check(HttpRequest req) {
        HttpVersion v = req.protocolVersion();
        if (v.majorVersion() != 1 || v.minorVersion() > 1) {
            return Refusal.of(RefusalKind.HTTP_VERSION_NOT_SUPPORTED, "http_version", "only HTTP/1.0 and HTTP/1.1 are served");
        }
        List<String> te = req.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)
                ? req.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING) : List.of();
        if (!te.isEmpty()) {
            if (te.size() > 1 || !te.get(0).equals("chunked") && !te.get(0).equalsIgnoreCase("chunked")) {
                return bad("transfer_encoding", "Transfer-Encoding must be exactly 'chunked'");
            }
            if (req.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                return bad("te_and_cl", "Transfer-Encoding and Content-Length together");
            }
            if (!req.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                return bad("te_http10", "Transfer-Encoding on HTTP/1.0");
            }
        }
        int hosts = 0;
        String host = null;
        for (java.util.Iterator<String> it = req.headers().valueStringIterator(HttpHeaderNames.HOST); it.hasNext(); hosts++) {
            host = it.next();
        }
        if (req.protocolVersion().equals(HttpVersion.HTTP_1_1) && hosts == 0) {
            return bad("host_missing", "an HTTP/1.1 request needs a Host header");
        }
        if (hosts > 1) {
            return bad("host_repeated", "more than one Host header");
        }
        if (hosts == 1 && !validHost(host)) {
            return bad("host_invalid", "the Host header is not host[:port]");
        }
        String uri = req.uri();
        if (uri.isEmpty() || uri.charAt(0) != '/') {
            return bad("target_form", "the request target must be a path (origin-form), not " + (uri.startsWith("*") ? "*"
                    : "an absolute URL or authority"));
        }
        return null;
    }

    /**
     * host or [v6] with an optional port of 1 to 5 digits; no userinfo, no path, no spaces. The host
     * is an IP-literal ({@code [} hex digits, colons, dots {@code ]}) or a reg-name of unreserved,
     * sub-delims and percent characters (RFC 3986 §3.2.2).
     */
    static boolean validHost(String h) {
        String v = h.trim();
        int n = v.length();
        if (n == 0) {
            return true; // an empty Host is allowed for requests without an authority (RFC 9112 §3.2)
        }
        int i;
        if (v.charAt(0) == '[') {
            i = 1;
            while (i < n && isLiteralChar(v.charAt(i))) {
                i++;
            }
            if (i == 1 || i == n || v.charAt(i) != ']') {
                return false;
            }
            i++;
        } else {
            i = 0;
            while (i < n && isRegNameChar(v.charAt(i))) {
                i++;
            }
            if (i == 0) {
                return false;
            }
        }
        if (i == n) {
            return true;
        }
        if (v.charAt(i) != ':') {
            return false;
        }
        int digits = n - i - 1;
        if (digits < 1 || digits > 5) {
            return false;
        }
        for (int j = i + 1; j < n; j++) {
            char c = v.charAt(j);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLiteralChar(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.';
    }

    private static boolean isRegNameChar(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return switch (c) {
            case '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', '%', '-' -> true;
            default -> false;
        };
    }

    private static Refusal bad(String reason, String message) {
        return Refusal.of(RefusalKind.BAD_REQUEST, reason, "malformed request: " + message);
    }
}
