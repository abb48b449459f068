package dev.corral.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one key may ask of Ollama through a request's options, validated: the maxima and defaults
 * of the options that cost GPU memory and time, the keep_alive range, and which prompt-set-up
 * fields it may use. policy.options gives every key's; policy.key_options.NAME changes some of
 * them for the keys of that name.
 *
 * @param numCtxMax         0 = no maximum (applies where the key may set runner options)
 * @param numPredictMax     0 = no maximum
 * @param numPredictDefault 0 = Ollama's own (unbounded)
 * @param refuseOverMax     a value above a maximum is refused (400) rather than lowered
 * @param showSummary       /api/show answers only details, capabilities and modified_at
 * @param psSummary         /api/ps answers without VRAM use and expiry
 */
public record OptionRules(long numCtxMax, long numPredictMax, long numPredictDefault, boolean refuseOverMax,
                          Duration keepAliveMin, Duration keepAliveMax, boolean allowUnload, boolean allowForever,
                          boolean allowRunnerOptions, boolean allowTemplate, boolean allowSystem, boolean allowRaw,
                          boolean allowDebugRender, boolean allowThink, boolean showSummary, boolean psSummary) {

    /**
     * Ollama's runner options (api/types.go Runner) with their Go kinds: a loaded model is reloaded
     * whenever a request's differ from those it was loaded with (server/sched.go needsReload).
     */
    public static final Map<String, Class<?>> RUNNER_OPTIONS = runnerOptions();

    private static Map<String, Class<?>> runnerOptions() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("num_ctx", Long.class);
        m.put("num_batch", Long.class);
        m.put("num_gpu", Long.class);
        m.put("main_gpu", Long.class);
        m.put("use_mmap", Boolean.class);
        m.put("num_thread", Long.class);
        m.put("draft_num_predict", Long.class);
        return java.util.Collections.unmodifiableMap(m);
    }

    static OptionRules from(RawOptions r, Check c, String at) {
        return new OptionRules(
                c.get(at + ".num_ctx_max", () -> atLeastZero(r.numCtxMax)),
                c.get(at + ".num_predict_max", () -> atLeastZero(r.numPredictMax)),
                c.get(at + ".num_predict_default", () -> atLeastZero(r.numPredictDefault)),
                c.get(at + ".over_max", () -> overMax(r.overMax)),
                c.get(at + ".keep_alive_min", () -> notNegative(Units.duration(r.keepAliveMin))),
                c.get(at + ".keep_alive_max", () -> positive(Units.duration(r.keepAliveMax))),
                r.allowUnload, r.allowForever, r.allowRunnerOptions, r.allowTemplate, r.allowSystem, r.allowRaw,
                r.allowDebugRender, r.allowThink, c.get(at + ".show", () -> summary(r.show)),
                c.get(at + ".ps", () -> summary(r.ps))).checked(c, at);
    }

    /** These rules with a key's overrides applied. */
    OptionRules with(RawOptions.Override o, Check c, String at) {
        if (o == null) {
            throw new ConfigException(c.where(at) + ": is empty; give it fields such as num_predict_max: 1024");
        }
        return new OptionRules(
                o.numCtxMax == null ? numCtxMax : c.get(at + ".num_ctx_max", () -> atLeastZero(o.numCtxMax)),
                o.numPredictMax == null ? numPredictMax : c.get(at + ".num_predict_max", () -> atLeastZero(o.numPredictMax)),
                o.numPredictDefault == null ? numPredictDefault
                        : c.get(at + ".num_predict_default", () -> atLeastZero(o.numPredictDefault)),
                o.overMax == null ? refuseOverMax : c.get(at + ".over_max", () -> overMax(o.overMax)),
                o.keepAliveMin == null ? keepAliveMin
                        : c.get(at + ".keep_alive_min", () -> notNegative(Units.duration(o.keepAliveMin))),
                o.keepAliveMax == null ? keepAliveMax
                        : c.get(at + ".keep_alive_max", () -> positive(Units.duration(o.keepAliveMax))),
                or(o.allowUnload, allowUnload), or(o.allowForever, allowForever),
                or(o.allowRunnerOptions, allowRunnerOptions), or(o.allowTemplate, allowTemplate),
                or(o.allowSystem, allowSystem), or(o.allowRaw, allowRaw), or(o.allowDebugRender, allowDebugRender),
                or(o.allowThink, allowThink), o.show == null ? showSummary : c.get(at + ".show", () -> summary(o.show)),
                o.ps == null ? psSummary : c.get(at + ".ps", () -> summary(o.ps))).checked(c, at);
    }

    private OptionRules checked(Check c, String at) {
        if (keepAliveMin.compareTo(keepAliveMax) > 0) {
            throw new ConfigException(c.where(at + ".keep_alive_min") + ": " + keepAliveMin.toSeconds()
                    + "s is above keep_alive_max (" + keepAliveMax.toSeconds() + "s); lower it or raise keep_alive_max");
        }
        if (numPredictMax > 0 && numPredictDefault > numPredictMax) {
            throw new ConfigException(c.where(at + ".num_predict_default") + ": " + numPredictDefault
                    + " is above num_predict_max (" + numPredictMax + "); lower it or raise num_predict_max");
        }
        return this;
    }

    /** The operator's runner options, checked against Ollama's names and kinds. */
    static Map<String, Object> runnerPins(Map<String, Object> raw, Check c, String at) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            String name = e.getKey();
            Class<?> kind = RUNNER_OPTIONS.get(name);
            if (kind == null) {
                throw new ConfigException(c.where(at + "." + name) + ": not a runner option (known: "
                        + String.join(", ", RUNNER_OPTIONS.keySet()) + ")");
            }
            Object v = e.getValue();
            if (kind == Long.class && (v instanceof Integer || v instanceof Long)) {
                out.put(name, ((Number) v).longValue());
            } else if (kind == Boolean.class && v instanceof Boolean b) {
                out.put(name, b);
            } else {
                throw new ConfigException(c.where(at + "." + name) + ": expected "
                        + (kind == Long.class ? "a whole number" : "true or false") + ", got " + v);
            }
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    private static boolean or(Boolean v, boolean dflt) {
        return v == null ? dflt : v;
    }

    private static long atLeastZero(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("must be at least 0 (0 = none), got " + v);
        }
        return v;
    }

    private static boolean overMax(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "clamp" -> false;
            case "refuse" -> true;
            default -> throw new IllegalArgumentException("must be clamp or refuse, got '" + s + "'");
        };
    }

    private static boolean summary(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "summary" -> true;
            case "full" -> false;
            default -> throw new IllegalArgumentException("must be summary or full, got '" + s + "'");
        };
    }

    private static Duration notNegative(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("must not be negative");
        }
        return d;
    }

    private static Duration positive(Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be greater than zero");
        }
        return d;
    }
}
