package dev.corral.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** A parsed "host:port" listen address ("[::1]:11443" for IPv6). */
public record HostPort(String host, int port) {

    public static HostPort parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty address; expected HOST:PORT such as 127.0.0.1:11443");
        }
        String s = text.trim();
        String host;
        String portText;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not [IPV6]:PORT");
            }
            host = s.substring(1, close);
            portText = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || s.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' is not HOST:PORT (example: 127.0.0.1:11443)");
            }
            host = s.substring(0, colon);
            portText = s.substring(colon + 1);
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': port '" + portText + "' is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "': port must be 0-65535");
        }
        return new HostPort(host, port);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** True when every address this host resolves to is a loopback address. */
    public boolean isLoopback() {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
