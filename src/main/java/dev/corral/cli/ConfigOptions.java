package dev.corral.cli;

import dev.corral.config.ConfigLoader;
import dev.corral.config.Settings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command that reads Corral's configuration shares. */
public final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (default: $CORRAL_CONFIG, else none).")
    Path config;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where keys, usage and the server secret live (default: $CORRAL_STATE_DIR, else ~/.local/state/corral).")
    String stateDir;

    @Option(names = "--verbose", description = "Show stack traces on errors.")
    boolean verbose;

    Settings load(Map<String, String> extra) {
        Map<String, String> overrides = new LinkedHashMap<>(extra);
        if (stateDir != null) {
            overrides.put("state_dir", stateDir);
        }
        return ConfigLoader.fromSystem().load(config, overrides);
    }
}
