package dev.corral.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** What a new key may do: scopes, models, lifetime and limits; for keys create, add-ssh and import-caddy alike. */
final class KeyGrantOptions {
    @Option(names = "--scope", split = ",", paramLabel = "SCOPE", defaultValue = "inference",
            description = "meta (list and show models) or inference (run models, and meta). Default: ${DEFAULT-VALUE}.")
    List<String> scopes;

    @Option(names = "--models", paramLabel = "PATTERNS",
            description = "Comma-separated model patterns the key may use, e.g. 'llama3*,qwen2.5:7b'. Default: all.")
    String models;

    @Option(names = "--expires", paramLabel = "DURATION", description = "Lifetime, e.g. 90d, 12h. Default: never.")
    String expires;

    @ArgGroup(exclusive = false, heading = "Limits (default: the config's admission.key_defaults)%n")
    LimitOptions limits = new LimitOptions();

    /** The admin API's body for a key named {@code name} with these grants. */
    ObjectNode spec(String name) {
        return KeysCommand.specOf(name, scopes, models, expires, limits);
    }
}
