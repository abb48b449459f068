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
    private static final java.util.regex.Pattern HOST =
            java.util.regex.Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(:[0-9]{1,5})?");

    private FramingRules() {}

    static Refusal check(HttpRequest req) {
        HttpVersion v = req.protocolVersion();
        if (v.majorVersion() != 1 || v.minorVersion() > 1) {
            return Refusal.of(RefusalKind.HTTP_VERSION_NOT_SUPPORTED, "http_version", "only HTTP/1.0 and HTTP/1.1 are served");
        }
        List<String> te = req.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
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
        List<String> host = req.headers().getAll(HttpHeaderNames.HOST);
        if (req.protocolVersion().equals(HttpVersion.HTTP_1_1) && host.isEmpty()) {
            return bad("host_missing", "an HTTP/1.1 request needs a Host header");
        }
        if (host.size() > 1) {
            return bad("host_repeated", "more than one Host header");
        }
        if (host.size() == 1 && !validHost(host.get(0))) {
            return bad("host_invalid", "the Host header is not host[:port]");
        }
        String uri = req.uri();
        if (uri.isEmpty() || uri.charAt(0) != '/') {
            return bad("target_form", "the request target must be a path (origin-form), not " + (uri.startsWith("*") ? "*"
                    : "an absolute URL or authority"));
        }
        return null;
    }

    /** host or [v6] with an optional port; no userinfo, no path, no spaces. */
    static boolean validHost(String h) {
        String v = h.trim();
        if (v.isEmpty()) {
            return true; // an empty Host is allowed for requests without an authority (RFC 9112 §3.2)
        }
        return HOST.matcher(v).matches();
    }

    private static Refusal bad(String reason, String message) {
        return Refusal.of(RefusalKind.BAD_REQUEST, reason, "malformed request: " + message);
    }
}
