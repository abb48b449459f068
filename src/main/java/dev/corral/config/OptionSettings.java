package dev.corral.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * policy.options, policy.key_options and policy.options.runner, validated: the option rules each
 * key runs under, and the runner options every request carries.
 *
 * @param defaults  every key's rules (policy.options)
 * @param byKeyName the rules of the keys with that name (policy.key_options), over the defaults
 * @param runner    the operator's runner options (name → Long or Boolean), set on every inference request
 */
public record OptionSettings(OptionRules defaults, Map<String, OptionRules> byKeyName, Map<String, Object> runner) {

    public static OptionSettings from(RawOptions options, Map<String, RawOptions.Override> keys, Check c) {
        OptionRules d = OptionRules.from(options, c, "policy.options");
        Map<String, OptionRules> by = new LinkedHashMap<>();
        for (Map.Entry<String, RawOptions.Override> e : keys.entrySet()) {
            by.put(e.getKey().strip(), d.with(e.getValue(), c, "policy.key_options." + e.getKey()));
        }
        return new OptionSettings(d, Map.copyOf(by),
                OptionRules.runnerPins(options.runner, c, "policy.options.runner"));
    }

    /** The rules of a key, by its name. */
    public OptionRules rulesFor(String keyName) {
        OptionRules r = keyName == null ? null : byKeyName.get(keyName);
        return r == null ? defaults : r;
    }
}
