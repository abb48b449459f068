package dev.corral.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code upstreams} list into {@link UpstreamNode}s: each URL checked as upstream.url
 * is, slots and weight of at least 1, names unique and usable on a command line, and never both
 * upstream.url and upstreams (which of the two should win would be a guess).
 */
final class UpstreamNodes {
    static final String DEFAULT_URL = "http://127.0.0.1:11434";

    private UpstreamNodes() {}

    /** The single Ollama's URL: upstream.url, or the default when it is unset. */
    static String singleUrl(RawConfig raw) {
        return raw.upstream.url == null || raw.upstream.url.isBlank() ? DEFAULT_URL : raw.upstream.url;
    }

    static List<UpstreamNode> from(RawConfig raw, Check c) {
        if (raw.upstreams == null || raw.upstreams.isEmpty()) {
            return List.of();
        }
        if (raw.upstream.url != null && !raw.upstream.url.isBlank()) {
            throw new ConfigException(c.where("upstreams") + ": upstream.url is set too (" + raw.upstream.url.trim()
                    + "); give either one Ollama in upstream.url or several in upstreams, not both: move that URL into"
                    + " upstreams, or remove upstreams");
        }
        int defaultSlots = Math.max(1, raw.admission.upstreamConcurrency);
        List<UpstreamNode> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < raw.upstreams.size(); i++) {
            RawConfig.UpstreamNode n = raw.upstreams.get(i);
            String at = "upstreams[" + i + "]";
            if (n == null || n.url == null || n.url.isBlank()) {
                throw new ConfigException(c.where(at + ".url") + ": missing; each node needs its url"
                        + " (example: - url: http://10.0.0.5:11434)");
            }
            Settings.Upstream where = c.get(at + ".url", () -> Settings.upstream(raw.upstream, n.url, c));
            int slots = n.slots == null ? defaultSlots : n.slots;
            if (slots < 1) {
                throw new ConfigException(c.where(at + ".slots") + ": must be at least 1, got " + slots);
            }
            if (n.weight < 1) {
                throw new ConfigException(c.where(at + ".weight") + ": must be at least 1, got " + n.weight);
            }
            Map<String, String> labels = n.labels == null ? Map.of() : new LinkedHashMap<>(n.labels);
            String name = labels.getOrDefault("name", where.hostHeader());
            if (name == null || !name.matches("[A-Za-z0-9_.:\\[\\]-]{1,100}")) {
                throw new ConfigException(c.where(at + ".labels.name") + ": '" + name + "' is not a usable node name"
                        + " (letters, digits and _ . : - only, at most 100)");
            }
            if (!names.add(name)) {
                throw new ConfigException(c.where(at) + ": another node is already named '" + name
                        + "'; give each node its own labels.name (or its own host:port)");
            }
            out.add(new UpstreamNode(name, where, slots, n.weight, Map.copyOf(labels)));
        }
        return List.copyOf(out);
    }

    static List<String> warnings(List<UpstreamNode> nodes) {
        List<String> w = new ArrayList<>();
        for (UpstreamNode n : nodes) {
            if (!Settings.isLoopbackHost(n.at().host())) {
                w.add("upstreams: node " + n.name() + " (" + n.at().url() + ") is not on loopback: traffic between Corral"
                        + " and Ollama is not protected");
            }
        }
        return w;
    }
}
