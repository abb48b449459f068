package dev.corral.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * policy.pins: the manifest digest each pinned model must have (Ollama cannot pin a model by
 * digest; a re-pull after a registry incident silently changes what runs), and how often Corral
 * reads Ollama's /api/tags to compare.
 *
 * @param digests model name (as written, lower case) → hex sha256 of its manifest, as /api/tags gives it
 */
public record Pins(Map<String, String> digests, Duration checkInterval) {

    static Pins from(Map<String, String> raw, String interval, Check c) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            String name = e.getKey().trim().toLowerCase(Locale.ROOT);
            String digest = e.getValue() == null ? "" : e.getValue().trim().toLowerCase(Locale.ROOT);
            if (digest.startsWith("sha256:")) {
                digest = digest.substring(7);
            }
            if (!digest.matches("[0-9a-f]{64}")) {
                throw new ConfigException(c.where("policy.pins." + e.getKey()) + ": '" + e.getValue()
                        + "' is not a manifest digest (64 hex digits, as /api/tags or `corral models list` shows it)");
            }
            if (name.isEmpty()) {
                throw new ConfigException(c.where("policy.pins") + ": a pin has no model name");
            }
            out.put(name, digest);
        }
        Duration every = c.get("policy.pin_check_interval", () -> {
            Duration d = Units.duration(interval);
            if (d.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("must be at least 1s");
            }
            return d;
        });
        return new Pins(Map.copyOf(out), every);
    }

    /** These pins with {@code recorded} (corral models pin) over them, name for name. */
    public Pins merged(Map<String, String> recorded) {
        if (recorded.isEmpty()) {
            return this;
        }
        Map<String, String> out = new LinkedHashMap<>(digests);
        recorded.forEach((name, digest) -> out.put(name.trim().toLowerCase(Locale.ROOT), digest));
        return new Pins(Map.copyOf(out), checkInterval);
    }

    public boolean isEmpty() {
        return digests.isEmpty();
    }
}
