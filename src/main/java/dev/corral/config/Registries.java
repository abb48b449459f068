package dev.corral.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * policy.registries: the registries a pull may reach, by host as it appears in a model name
 * ("registry.ollama.ai", "models.example.com:5000"), compared without regard to case. Ollama pulls
 * from whatever host a name gives and verifies blobs only against a manifest it fetched by tag, so
 * the host decides whose bytes end up on the GPU box. An entry "http://host" also allows plain
 * HTTP for that host (Ollama's "insecure"), whose manifest anyone on the path could replace.
 *
 * @param hosts     every allowed host, lower case, in the order given
 * @param plainHttp the hosts also allowed over plain HTTP
 */
public record Registries(List<String> hosts, Set<String> plainHttp) {
    /** Ollama's registry, the only one allowed by default. */
    public static final Registries DEFAULT = new Registries(List.of("registry.ollama.ai"), Set.of());

    static Registries from(List<String> raw, Check c) {
        Set<String> hosts = new LinkedHashSet<>();
        Set<String> plain = new LinkedHashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            String entry = raw.get(i).trim();
            String field = "policy.registries[" + i + "]";
            String lower = entry.toLowerCase(Locale.ROOT);
            boolean http = lower.startsWith("http://");
            String host = http ? lower.substring(7) : lower.startsWith("https://") ? lower.substring(8) : lower;
            // Ollama's host grammar (types/model/name.go): a letter, digit or _, then those, '-', '.' and ':'.
            if (!host.matches("[a-z0-9_][a-z0-9_.:-]{0,349}")) {
                throw new ConfigException(c.where(field) + ": '" + entry + "' is not a registry host as a model name"
                        + " gives it (registry.ollama.ai, models.example.com:5000; http://models.example.com:5000 to"
                        + " allow plain HTTP too); no path, no user");
            }
            hosts.add(host);
            if (http) {
                plain.add(host);
            }
        }
        return new Registries(List.copyOf(hosts), Set.copyOf(plain));
    }

    /** True when a pull may reach {@code host} (lower case). */
    public boolean allows(String host) {
        return hosts.contains(host);
    }

    /** True when a pull may reach {@code host} over plain HTTP: listed as "http://host". */
    public boolean allowsPlainHttp(String host) {
        return plainHttp.contains(host);
    }

    /** The list as an operator reads it in a refusal: "registry.ollama.ai, http://models.lan:5000", or "none". */
    public String describe() {
        if (hosts.isEmpty()) {
            return "none (policy.registries is empty)";
        }
        List<String> out = new ArrayList<>();
        for (String h : hosts) {
            out.add(plainHttp.contains(h) ? "http://" + h : h);
        }
        return String.join(", ", out);
    }
}
