package dev.corral.doctor;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * 1. Where Ollama listens. Loopback passes; a specific private address warns; all interfaces, or a
 * container runtime's proxy publishing the port on all interfaces, fails.
 */
public final class BindCheck implements Check {
    static final String ID = "ollama.bind";
    private static final String TITLE = "Ollama listens only on loopback";
    private static final Set<String> CONTAINER_PROXIES = Set.of("docker-proxy", "rootlessport", "rootlesskit",
            "slirp4netns", "pasta", "pasta.avx2", "conmon", "containerd-shim", "podman");
    static final String DROP_IN_FIX = "corral harden ollama --write (or add to ollama.service.d/override.conf:"
            + " [Service] Environment=\"OLLAMA_HOST=127.0.0.1:11434\"), then: systemctl daemon-reload && systemctl restart ollama";

    @Override
    public List<Finding> run(Host host, DoctorOptions options) {
        OllamaProcess ollama = OllamaProcess.inspect(host, options.unit());
        int port = port(ollama.env.get("OLLAMA_HOST"));
        List<ProcNet.Listener> all;
        try {
            all = ProcNet.listeners(host);
        } catch (IOException | RuntimeException e) {
            return List.of(Finding.skip(ID, TITLE, "cannot read /proc/net/tcp: " + e.getMessage()));
        }
        List<ProcNet.Listener> mine = all.stream().filter(l -> l.port() == port).toList();
        if (mine.isEmpty()) {
            return List.of(Finding.skip(ID, TITLE, "nothing listens on port " + port + " (is Ollama running?)"));
        }
        List<Finding> out = new ArrayList<>();
        for (ProcNet.Listener l : mine) {
            String[] owner = ProcNet.owner(host, l.inode());
            String who = owner == null ? "owner unknown" + (host.isRoot() ? "" : " (run as root to see it)")
                    : "process " + owner[1] + " (pid " + owner[0] + ")";
            String where = addr(l.address()) + ":" + port + ", " + who;
            if (owner != null && CONTAINER_PROXIES.contains(owner[1]) && l.wildcard()) {
                out.add(Finding.fail(ID, TITLE, "a container runtime publishes port " + port + " on all interfaces: " + where,
                        "publish it on loopback only: docker run -p 127.0.0.1:" + port + ":11434 ... (podman the same);"
                                + " in compose: ports: [\"127.0.0.1:" + port + ":11434\"]"));
            } else if (l.address().isLoopbackAddress()) {
                out.add(Finding.pass(ID, TITLE, "listening on " + where));
            } else if (l.wildcard()) {
                out.add(Finding.fail(ID, TITLE, "listening on all interfaces: " + where
                        + "; anyone who can reach this host can run, pull and delete models", DROP_IN_FIX));
            } else if (isPrivate(l.address())) {
                out.add(Finding.warn(ID, TITLE, "listening on private address " + where
                        + "; fine if only Corral on another host reaches it", DROP_IN_FIX));
            } else {
                out.add(Finding.fail(ID, TITLE, "listening on public address " + where, DROP_IN_FIX));
            }
        }
        return out;
    }

    /** The port from OLLAMA_HOST ("0.0.0.0", ":8080", "http://host:port", "[::1]:11434"), default 11434. */
    static int port(String ollamaHost) {
        if (ollamaHost == null || ollamaHost.isBlank()) {
            return 11434;
        }
        String h = ollamaHost.trim().replaceFirst("^[a-z]+://", "");
        int slash = h.indexOf('/');
        if (slash >= 0) {
            h = h.substring(0, slash);
        }
        int colon = h.lastIndexOf(':');
        if (colon < 0 || (h.startsWith("[") && h.endsWith("]"))) {
            return 11434;
        }
        try {
            return Integer.parseInt(h.substring(colon + 1));
        } catch (NumberFormatException e) {
            return 11434;
        }
    }

    /** True for OLLAMA_HOST values that bind every interface. */
    static boolean allInterfaces(String ollamaHost) {
        if (ollamaHost == null) {
            return false;
        }
        String h = ollamaHost.trim().replaceFirst("^[a-z]+://", "");
        int colon = h.lastIndexOf(':');
        String host = h.startsWith("[") ? h.substring(1, Math.max(1, h.indexOf(']'))) : colon >= 0 ? h.substring(0, colon) : h;
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("*");
    }

    static boolean isPrivate(InetAddress a) {
        if (a.isSiteLocalAddress() || a.isLinkLocalAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // 100.64.0.0/10 (CGNAT, Tailscale)
        }
        return (b[0] & 0xfe) == 0xfc; // fc00::/7
    }

    static String addr(InetAddress a) {
        String s = a.getHostAddress();
        return s.contains(":") ? "[" + s + "]" : s;
    }
}
