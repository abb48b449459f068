package dev.corral.console;

import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.net.URI;
import java.util.Locale;

/**
 * Decisions about a browser's request, from its headers alone: whether it comes from the console's
 * own origin (Origin, Sec-Fetch-Site), whether it comes from a browser at all, and whether the Host
 * it names is this machine (what keeps a DNS-rebinding page off a tunnelled admin socket).
 */
public final class BrowserChecks {
    /** The cookie that holds the console's session token. */
    public static final String COOKIE = "corral_session";
    /** The header the console sends its CSRF token in, on every call. */
    public static final String CSRF_HEADER = "X-Corral-CSRF";

    private BrowserChecks() {}

    /**
     * Whether the request may be from the page served at {@code host}: no Origin (a same-origin GET),
     * or an Origin equal to this listener's scheme and Host; and no Sec-Fetch-Site saying another site.
     */
    public static boolean sameOrigin(String origin, String secFetchSite, String host, boolean tls) {
        if (secFetchSite != null && !secFetchSite.equals("same-origin") && !secFetchSite.equals("none")) {
            return false;
        }
        if (origin == null) {
            return true;
        }
        if (host == null) {
            return false;
        }
        try {
            URI u = new URI(origin);
            String authority = u.getRawAuthority();
            return authority != null && (tls ? "https" : "http").equalsIgnoreCase(u.getScheme())
                    && authority.toLowerCase(Locale.ROOT).equals(host.trim().toLowerCase(Locale.ROOT))
                    && (u.getRawPath() == null || u.getRawPath().isEmpty());
        } catch (java.net.URISyntaxException e) {
            return false; // includes "null", the Origin of sandboxed and file pages
        }
    }

    /** Whether a browser sent it: curl and the CLI send neither header; a page's fetch and forms do. */
    public static boolean fromBrowser(String origin, String secFetchSite) {
        return origin != null || (secFetchSite != null && !secFetchSite.equals("none"));
    }

    /** Whether a Host header names this machine by a loopback name or address (any port). */
    public static boolean loopbackHost(String host) {
        if (host == null) {
            return false;
        }
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && h.substring(1, end).equals("::1") && (end == h.length() - 1 || h.charAt(end + 1) == ':');
        }
        int colon = h.indexOf(':');
        String name = colon < 0 ? h : h.substring(0, colon);
        return name.equals("localhost") || name.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    /** The session token from a Cookie header, or null. */
    public static String sessionToken(String cookieHeader) {
        if (cookieHeader == null) {
            return null;
        }
        for (Cookie c : ServerCookieDecoder.STRICT.decodeAll(cookieHeader)) {
            if (c.name().equals(COOKIE)) {
                return c.value();
            }
        }
        return null;
    }
}
