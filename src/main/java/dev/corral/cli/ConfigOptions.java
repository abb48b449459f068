package dev.corral.cli;

import dev.corral.config.ConfigLoader;
import dev.corral.config.Settings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options every command that reads Corral's configuration shares. */
public final class ConfigOptions {
    /** The flags that set a config field, so an error about the value names the flag the user typed. */
    static final Map<String, String> FLAGS = Map.of("state_dir", "--state-dir", "listen.address", "--listen",
            "upstream.url", "--upstream");

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (default: $CORRAL_CONFIG, else none).")
    Path config;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where keys, usage and the server secret live (default: $CORRAL_STATE_DIR, else $XDG_STATE_HOME/corral,"
                    + " else $HOME/.local/state/corral).")
    String stateDir;

    @Option(names = "--verbose", description = "Show stack traces on errors.")
    boolean verbose;

    /** Loads the configuration; warnings about the environment go to standard error as plain lines. */
    Settings load(Map<String, String> extra) {
        return load(extra, w -> spec.commandLine().getErr().println("corral: warning: " + w));
    }

    /** Where a server reads its configuration again when it reloads (the same file, environment and flags). */
    dev.corral.config.ConfigSource source(Map<String, String> extra) {
        Map<String, String> overrides = new LinkedHashMap<>(extra);
        if (stateDir != null) {
            overrides.put("state_dir", stateDir);
        }
        ConfigLoader loader = new ConfigLoader(CorralCommand.environment(spec)).namingFlags(FLAGS);
        return dev.corral.config.ConfigSource.of(loader, config, overrides);
    }

    /** Loads the configuration, handing each warning about the environment to {@code warn}, once. */
    Settings load(Map<String, String> extra, Consumer<String> warn) {
        Map<String, String> overrides = new LinkedHashMap<>(extra);
        if (stateDir != null) {
            overrides.put("state_dir", stateDir);
        }
        ConfigLoader loader = new ConfigLoader(CorralCommand.environment(spec)).namingFlags(FLAGS);
        loader.environmentWarnings().forEach(warn);
        return loader.load(config, overrides);
    }
}
