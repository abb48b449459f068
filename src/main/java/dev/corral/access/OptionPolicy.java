package dev.corral.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.config.OptionRules;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import dev.corral.route.GoDuration;
import dev.corral.route.GoJson;
import dev.corral.route.GoStruct;
import dev.corral.route.GoValues;
import dev.corral.route.RequestShape;
import dev.corral.route.RequestShape.CompletionLimit;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Decides, from an inference request as Ollama's decoder reads it and the key's {@link OptionRules},
 * which of its options Ollama may run: prompt-set-up fields the key may not use are refused;
 * runner options (those that reload a model) are set to the operator's values or removed; num_ctx,
 * the completion bound and keep_alive are held within their range. Which fields a route carries is
 * read from its request struct, so the same rules hold on every route that has the field.
 */
public final class OptionPolicy {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private OptionPolicy() {}

    /**
     * @param runner the operator's runner options (policy.options.runner): name → Long or Boolean
     */
    public static OptionDecision decide(RequestShape shape, GoValues v, OptionRules rules, Map<String, Object> runner) {
        try {
            return decideOrThrow(shape, v, rules, runner);
        } catch (GoJson.Refused r) {
            RefusalKind kind = r.reason().startsWith("option_not_allowed") ? RefusalKind.FORBIDDEN : RefusalKind.BAD_REQUEST;
            return OptionDecision.refuse(Refusal.of(kind, r.reason(), r.getMessage()));
        }
    }

    private static OptionDecision decideOrThrow(RequestShape shape, GoValues v, OptionRules rules, Map<String, Object> runner)
            throws GoJson.Refused {
        GoStruct s = shape.struct();
        promptSetUp(s, v, rules);
        Set<String> replace = new LinkedHashSet<>();
        Map<String, String> append = new LinkedHashMap<>();
        Map<String, String> changes = new LinkedHashMap<>();
        Map<String, JsonNode> given = s.type("options") == null ? null : v.map("options");
        Map<String, JsonNode> options = given == null ? new LinkedHashMap<>() : new LinkedHashMap<>(given);
        boolean optionsChanged = false;
        if (s.type("options") != null) {
            optionsChanged = runnerOptions(options, rules, runner, changes);
        }
        if (s.type("shift") != null && v.bool("shift") != null && !rules.allowRunnerOptions()) {
            replace.add("shift"); // a context-shift setting unlike the loaded model's reloads it
            changes.put("shift", "removed");
        }
        if (s.type("keep_alive") != null) {
            keepAlive(v.raw("keep_alive"), rules, replace, append, changes);
        }
        CompletionLimit limit = shape.completionLimit();
        long bound = limit.read(v);
        if (limit.source() != CompletionLimit.Source.NONE) {
            long now = completion(bound, limit.name(), rules, changes);
            if (now != bound) {
                bound = now;
                if (limit.source() == CompletionLimit.Source.OPTION) {
                    options.put(limit.name(), NODES.numberNode(now));
                    optionsChanged = true;
                } else {
                    replace.add(limit.name());
                    append.put(limit.name(), Long.toString(now));
                }
            }
        }
        if (optionsChanged) {
            replace.add("options");
            ObjectNode o = NODES.objectNode();
            options.forEach(o::set);
            append.put("options", encode(o));
        }
        return new OptionDecision(null, Set.copyOf(replace), Map.copyOf(append), changes, bound);
    }

    /** template, system, raw, _debug_render_only and think, where the route has them and the key may not use them. */
    private static void promptSetUp(GoStruct s, GoValues v, OptionRules rules) throws GoJson.Refused {
        if (s.type("template") != null && !v.string("template").isEmpty() && !rules.allowTemplate()) {
            throw notAllowed("template", "replaces the model's prompt template", "allow_template");
        }
        if (s.type("system") != null && !v.string("system").isEmpty() && !rules.allowSystem()) {
            throw notAllowed("system", "replaces the model's system prompt", "allow_system");
        }
        if (s.type("raw") != null && Boolean.TRUE.equals(v.bool("raw")) && !rules.allowRaw()) {
            throw notAllowed("raw", "bypasses the model's prompt template", "allow_raw");
        }
        if (s.type("_debug_render_only") != null && Boolean.TRUE.equals(v.bool("_debug_render_only"))
                && !rules.allowDebugRender()) {
            throw notAllowed("_debug_render_only", "reveals the model's rendered prompt", "allow_debug_render");
        }
        if (!rules.allowThink() && thinks(s, v)) {
            throw notAllowed(s.type("think") != null ? "think" : s.type("thinking") != null ? "thinking"
                    : s.type("reasoning_effort") != null ? "reasoning_effort" : "reasoning", "turns on thinking"
                    + " (many more tokens)", "allow_think");
        }
    }

    /**
     * Whether the request turns thinking on, as Ollama maps it: native "think" other than false; OpenAI
     * chat's reasoning.effort, else reasoning_effort, and Responses' reasoning.effort (openai.go
     * thinkFromReasoningEffort: anything but "" and "none", invalid values being Ollama's own 400); Anthropic's thinking.type "enabled", or without
     * a thinking type, output_config.effort high, medium, low, max or xhigh.
     */
    static boolean thinks(GoStruct s, GoValues v) {
        if (s.type("think") != null) {
            JsonNode t = v.raw("think");
            return t != null && !t.isNull() && !(t.isBoolean() && !t.booleanValue());
        }
        if (s.type("reasoning_effort") != null) {
            GoValues r = v.struct("reasoning");
            String effort = r != null ? r.string("effort") : v.string("reasoning_effort");
            return !effort.isEmpty() && !effort.equals("none");
        }
        if (s.type("reasoning") != null) { // Responses: reasoning.effort, the same mapping
            GoValues r = v.struct("reasoning");
            String effort = r == null ? "" : r.string("effort");
            return !effort.isEmpty() && !effort.equals("none");
        }
        if (s.type("thinking") != null) {
            GoValues t = v.struct("thinking");
            String type = t == null ? "" : t.string("type");
            if (type.equals("enabled") || type.equals("disabled")) {
                return type.equals("enabled");
            }
            GoValues o = v.struct("output_config");
            String effort = o == null ? "" : o.string("effort").strip().toLowerCase(java.util.Locale.ROOT);
            return java.util.Set.of("high", "medium", "low", "max", "xhigh").contains(effort);
        }
        return false;
    }

    private static GoJson.Refused notAllowed(String field, String why, String setting) {
        return new GoJson.Refused("option_not_allowed:" + field, "\"" + field + "\" " + why
                + " and is not allowed for this key (policy.options." + setting + ")");
    }

    /** Runner options pinned or removed (or, for a trusted key, num_ctx held to its maximum); true when changed. */
    private static boolean runnerOptions(Map<String, JsonNode> options, OptionRules rules, Map<String, Object> runner,
                                         Map<String, String> changes) throws GoJson.Refused {
        boolean changed = false;
        for (Map.Entry<String, Class<?>> e : OptionRules.RUNNER_OPTIONS.entrySet()) {
            String name = e.getKey();
            JsonNode n = options.get(name);
            boolean present = n != null && !n.isNull(); // Options.FromMap skips nil values
            if (present) {
                checkKind(name, n, e.getValue());
            }
            Object pin = runner.get(name);
            if (pin != null) {
                JsonNode pinned = pin instanceof Boolean b ? NODES.booleanNode(b) : NODES.numberNode((Long) pin);
                if (!present || !sameValue(n, pinned)) {
                    options.put(name, pinned);
                    changed = true;
                    if (present) {
                        changes.put(name, String.valueOf(pin));
                    }
                }
            } else if (rules.allowRunnerOptions()) {
                if (present && name.equals("num_ctx") && rules.numCtxMax() > 0) {
                    long asked = CompletionLimit.goInt64(n.doubleValue());
                    if (asked > rules.numCtxMax()) {
                        overMax("num_ctx", asked, rules.numCtxMax(), rules);
                        options.put(name, NODES.numberNode(rules.numCtxMax()));
                        changes.put(name, Long.toString(rules.numCtxMax()));
                        changed = true;
                    }
                }
            } else if (present) {
                options.remove(name);
                changes.put(name, "removed");
                changed = true;
            }
        }
        return changed;
    }

    /** The same value as Options.FromMap would set it: ints compared after Go's int64 conversion. */
    private static boolean sameValue(JsonNode given, JsonNode pinned) {
        if (pinned.isBoolean()) {
            return given.isBoolean() && given.booleanValue() == pinned.booleanValue();
        }
        return given.isNumber() && CompletionLimit.goInt64(given.doubleValue()) == pinned.longValue();
    }

    private static void checkKind(String name, JsonNode n, Class<?> kind) throws GoJson.Refused {
        if (kind == Long.class && !n.isNumber()) {
            throw new GoJson.Refused("option_type", "option \"" + name + "\" must be of type integer");
        }
        if (kind == Boolean.class && !n.isBoolean()) {
            throw new GoJson.Refused("option_type", "option \"" + name + "\" must be of type boolean");
        }
    }

    private static void keepAlive(JsonNode ka, OptionRules rules, Set<String> replace, Map<String, String> append,
                                  Map<String, String> changes) throws GoJson.Refused {
        if (ka == null || ka.isNull()) {
            return; // nil: Ollama's own default (OLLAMA_KEEP_ALIVE), which the operator sets
        }
        long ns = GoDuration.keepAlive(ka);
        long min = rules.keepAliveMin().toNanos();
        long max = rules.keepAliveMax().toNanos();
        long now;
        if (ns == GoDuration.FOREVER) {
            now = rules.allowForever() ? ns : max;
        } else if (ns < min && !rules.allowUnload()) {
            now = min; // 0 (or a moment) unloads the model for everyone using it
        } else {
            now = Math.min(ns, max);
        }
        if (now != ns) {
            long seconds = Math.max(1, now / 1_000_000_000L);
            replace.add("keep_alive");
            append.put("keep_alive", Long.toString(seconds));
            changes.put("keep_alive", seconds + "s");
        }
    }

    /** The completion bound after the key's default and maximum. */
    private static long completion(long bound, String name, OptionRules rules, Map<String, String> changes)
            throws GoJson.Refused {
        if (bound < 0) {
            if (rules.numPredictDefault() > 0) {
                changes.put(name, Long.toString(rules.numPredictDefault()));
                return rules.numPredictDefault();
            }
            return bound;
        }
        if (rules.numPredictMax() > 0 && bound > rules.numPredictMax()) {
            overMax(name, bound, rules.numPredictMax(), rules);
            changes.put(name, Long.toString(rules.numPredictMax()));
            return rules.numPredictMax();
        }
        return bound;
    }

    private static void overMax(String name, long asked, long max, OptionRules rules) throws GoJson.Refused {
        if (rules.refuseOverMax()) {
            throw new GoJson.Refused("option_over_max", name + " " + asked + " is above this key's maximum of " + max);
        }
    }

    private static String encode(ObjectNode o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
