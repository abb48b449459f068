package dev.corral.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every CORRAL_* environment variable Corral reads, and a warning for each one set that it does
 * not: a misspelled variable (LISTEN_ADRESS for LISTEN_ADDRESS) is otherwise silently ignored, and the
 * operator believes a setting is in force that is not.
 */
public final class CorralVariables {
    /**
     * Variables read outside the config fields (whose variables come from {@link ConfigLoader#fieldPaths}).
     * CorralVariablesTest fails when the sources name a CORRAL_* variable missing here.
     */
    static final Set<String> OTHERS = Set.of(
            "CORRAL_CONFIG",            // ConfigLoader: the config file when --config is not given
            "CORRAL_JAVA_OPTS",         // the ./corral launcher: extra JVM flags
            "CORRAL_NO_CDS",            // the ./corral launcher: set, no class data sharing archive
            "CORRAL_LOG_LEVEL",         // logging.LogSetup: the root log level
            "CORRAL_ACCESS_LOG_LEVEL",  // logging.LogSetup: the access log's level (OFF silences it)
            "CORRAL_DOCTOR_KEY",        // corral doctor: the key for --gateway
            "CORRAL_REQUIRE_NODE",      // the test suite (and CI): fail rather than skip without Node.js
            "CORRAL_REQUIRE_BROWSER",   // the test suite (and CI): fail rather than skip without chromium
            "CORRAL_REQUIRE_REDIS",     // the test suite (and CI): fail rather than skip without redis-server
            SharedLimitsConfig.PASSWORD_VARIABLE, // the Redis password for limits.shared (never a config field)
            "CORRAL_STORE_PASSWORD",    // the PostgreSQL store's password when store_password_file is not given
            "CORRAL_REQUIRE_POSTGRES"); // the test suite (and CI): fail rather than skip without PostgreSQL

    private CorralVariables() {}

    /** All variable names Corral knows. */
    public static Set<String> known() {
        Set<String> all = new TreeSet<>(OTHERS);
        for (String path : ConfigLoader.fieldPaths()) {
            all.add(ConfigLoader.envName(path));
        }
        return all;
    }

    /** One warning per CORRAL_* variable in {@code env} that Corral does not read, with the likely intended one. */
    public static List<String> warnings(Map<String, String> env) {
        Set<String> known = known();
        List<String> out = new ArrayList<>();
        for (String name : new TreeSet<>(env.keySet())) {
            if (!name.startsWith("CORRAL_") || known.contains(name)) {
                continue;
            }
            List<String> fields = known.stream().filter(k -> k.startsWith(name + "_")).toList();
            String hint;
            if (!fields.isEmpty()) {
                hint = "it names a section; set its fields instead, e.g. "
                        + String.join(", ", fields.subList(0, Math.min(3, fields.size())));
            } else {
                hint = Closest.to(name, known).map(k -> "did you mean " + k + "?")
                        .orElse("see the README's Configuration section for the variables");
            }
            out.add("environment variable " + name + " is not a Corral setting and is ignored; " + hint);
        }
        return out;
    }
}
