package dev.corral.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Where a running server's configuration comes from, so it can be read again (a reload): the file
 * (null when there is none: the environment and flags only), how to load and check it, and the
 * configuration as written, before checking, for the admin API to show.
 */
public record ConfigSource(Path file, Supplier<Settings> load, Supplier<ObjectNode> effective) {

    /** The same file, environment and flags as {@code loader} with {@code overrides}. */
    public static ConfigSource of(ConfigLoader loader, Path file, java.util.Map<String, String> overrides) {
        Path f = loader.file(file);
        return new ConfigSource(f, () -> loader.load(f, overrides), () -> loader.effective(f, overrides));
    }
}
