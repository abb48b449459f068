package dev.corral.sim;

import java.net.InetAddress;
import java.util.Locale;

/**
 * Ollama's Host-header check (shared/ollama-upstream.md, "Host check"): bound to loopback, only
 * loopback or private IPs, localhost, the machine's hostname and names ending .localhost, .local or
 * .internal are accepted; anything else gets 403 with an empty body. Bound to all interfaces,
 * everything is accepted.
 */
final class HostCheck {
    private final boolean enforce;
    private final String hostname;

    HostCheck(boolean boundToLoopback) {
        this.enforce = boundToLoopback;
        String h;
        try {
            h = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
        } catch (Exception e) {
            h = "localhost";
        }
        this.hostname = h;
    }

    boolean allowed(String hostHeader) {
        if (!enforce) {
            return true;
        }
        if (hostHeader == null || hostHeader.isEmpty()) {
            return true; // Go fills an empty Host for HTTP/1.0; Ollama lets it through
        }
        String host = stripPort(hostHeader.toLowerCase(Locale.ROOT));
        if (host.equals("localhost") || host.equals(hostname) || host.endsWith(".localhost")
                || host.endsWith(".local") || host.endsWith(".internal")) {
            return true;
        }
        if (host.matches("[0-9.]+") || host.contains(":")) {
            try {
                InetAddress a = InetAddress.getByName(host);
                return a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || isUniqueLocal(a);
            } catch (Exception e) {
                return false;
            }
        }
        return false;
    }

    private static boolean isUniqueLocal(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 16 && (b[0] & 0xfe) == 0xfc;
    }

    private static String stripPort(String h) {
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            return close < 0 ? h : h.substring(1, close);
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0 && h.indexOf(':') == colon) {
            return h.substring(0, colon);
        }
        return h;
    }
}
