package dev.corral.access;

import dev.corral.config.Pins;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decides whether a pinned model may run, from policy.pins and the digests Ollama's /api/tags last
 * reported: a model whose manifest digest is not the pinned one is refused (409, naming both) until
 * the operator pins it again, and so is a pinned model Corral has not been able to check (fail
 * closed). Names are compared as Ollama resolves them: default registry and namespace implied,
 * ":latest" when no tag, case ignored.
 */
public final class PinPolicy {
    private PinPolicy() {}

    /** The short, tagged form names are compared in. */
    public static String key(String name) {
        return ModelNames.withTag(ModelNames.normalize(name));
    }

    /** /api/tags' names → digests, keyed as {@link #key} keys them. */
    public static Map<String, String> byKey(Map<String, String> tags) {
        Map<String, String> out = new LinkedHashMap<>();
        tags.forEach((name, digest) -> out.put(key(name), digest));
        return out;
    }

    /** The pinned models whose observed digest differs, pinned key → observed digest ("" when the model is absent). */
    public static Map<String, String> drifted(Pins pins, Map<String, String> observed) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, String> seen = byKey(observed);
        pins.digests().forEach((name, digest) -> {
            String actual = seen.get(key(name));
            if (actual == null) {
                out.put(key(name), "");
            } else if (!actual.equals(digest)) {
                out.put(key(name), actual);
            }
        });
        return out;
    }

    /**
     * @param observed /api/tags' names → digests at the last check, or null when no check has succeeded
     * @return null when the model may run
     */
    public static Refusal decide(Pins pins, Map<String, String> observed, String model) {
        if (pins.isEmpty()) {
            return null;
        }
        String k = key(model);
        String expected = null;
        for (Map.Entry<String, String> e : pins.digests().entrySet()) {
            if (key(e.getKey()).equals(k)) {
                expected = e.getValue();
            }
        }
        if (expected == null) {
            return null;
        }
        if (observed == null) {
            return Refusal.of(RefusalKind.SERVICE_UNAVAILABLE, "pin_unchecked", "model '" + model
                    + "' is pinned and its digest has not been checked at Ollama yet; try again shortly");
        }
        String actual = byKey(observed).get(k);
        if (actual == null) {
            return Refusal.of(RefusalKind.CONFLICT, "pin_absent", "model '" + model + "' is pinned to digest "
                    + expected + " but was not at Ollama at the last check");
        }
        if (!actual.equals(expected)) {
            return Refusal.of(RefusalKind.CONFLICT, "pin_drift", "model '" + model + "' is pinned to digest " + expected
                    + " but Ollama has " + actual + "; it is refused until an operator pins it again (policy.pins)");
        }
        return null;
    }
}
