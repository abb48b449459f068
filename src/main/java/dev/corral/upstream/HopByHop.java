package dev.corral.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Copies headers across the proxy without the hop-by-hop ones (RFC 9110 §7.6.1): the fixed list plus
 * every header the Connection header names. Framing headers are dropped too: the proxy re-frames
 * each side itself. Names are compared without case and without making a lower-case copy of each.
 */
public final class HopByHop {
    private static final String[] ALWAYS = {
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate", "content-length", "host", "expect", "http2-settings"};

    /** Headers that carry the client's credentials to Corral; Ollama never sees them. */
    private static final String[] CREDENTIALS = {"authorization", "x-api-key", "cookie"};

    /** The request headers Ollama never gets besides those: the usage tap reads plain bytes; Corral sets its own id. */
    private static final String[] REQUEST_ONLY = {"accept-encoding", "x-request-id", "forwarded"};

    private static final String FORWARDED_PREFIX = "x-forwarded-";

    private HopByHop() {}

    /** Request headers for Ollama: end-to-end only, no credentials, no Accept-Encoding (the usage tap reads plain bytes). */
    public static void copyRequest(HttpHeaders from, HttpHeaders to) {
        Set<String> named = connectionTokens(from);
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = from.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            CharSequence name = h.getKey();
            if (in(ALWAYS, name) || in(CREDENTIALS, name) || in(REQUEST_ONLY, name) || named(named, name)
                    || AsciiString.regionMatches(name, true, 0, FORWARDED_PREFIX, 0, FORWARDED_PREFIX.length())) {
                continue;
            }
            to.add(name, h.getValue());
        }
    }

    /** Response headers for the client: end-to-end only. */
    public static void copyResponse(HttpHeaders from, HttpHeaders to) {
        Set<String> named = connectionTokens(from);
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = from.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            CharSequence name = h.getKey();
            if (in(ALWAYS, name) || named(named, name) || AsciiString.contentEqualsIgnoreCase(name, "x-request-id")) {
                continue;
            }
            to.add(name, h.getValue());
        }
    }

    private static boolean in(String[] names, CharSequence name) {
        int n = name.length();
        for (String s : names) {
            if (s.length() == n && AsciiString.contentEqualsIgnoreCase(name, s)) {
                return true;
            }
        }
        return false;
    }

    private static boolean named(Set<String> named, CharSequence name) {
        return !named.isEmpty() && named.contains(name.toString().toLowerCase(Locale.ROOT));
    }

    /** The header names the Connection header lists (lower case), empty when there is none. */
    private static Set<String> connectionTokens(HttpHeaders headers) {
        if (!headers.contains(HttpHeaderNames.CONNECTION)) {
            return Set.of();
        }
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
