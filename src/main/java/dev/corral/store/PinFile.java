package dev.corral.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pins `corral models pin` recorded (model → manifest digest), in pins.json in the state
 * directory (mode 0600, replaced atomically), over policy.pins: an operator pins what is there now
 * without editing the configuration file.
 */
public final class PinFile {
    public static final String FILE_NAME = "pins.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private volatile Map<String, String> pins;

    private PinFile(Path file, Map<String, String> pins) {
        this.file = file;
        this.pins = pins;
    }

    /** Reads the file in {@code stateDir}, or starts empty when there is none. */
    public static PinFile open(Path stateDir) {
        Path f = stateDir.resolve(FILE_NAME);
        Map<String, String> pins = new LinkedHashMap<>();
        if (Files.exists(f)) {
            try {
                JsonNode root = JSON.readTree(f.toFile());
                if (root == null || !root.isObject()) {
                    throw new StoreException(f + ": not a JSON object of model → digest; remove it to start over", null);
                }
                root.fields().forEachRemaining(e -> pins.put(e.getKey(), e.getValue().asText()));
            } catch (IOException e) {
                throw new StoreException(f + ": cannot be read (" + e.getMessage() + "); remove it to start over", e);
            }
        }
        return new PinFile(f, Map.copyOf(pins));
    }

    public Map<String, String> pins() {
        return pins;
    }

    /** Records {@code model} pinned to {@code digest}, replacing the file atomically. */
    public synchronized void pin(String model, String digest) {
        Map<String, String> next = new LinkedHashMap<>(pins);
        next.put(model, digest);
        ObjectNode o = JSON.createObjectNode();
        next.forEach(o::put);
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file + " failed", e);
        }
        pins = Map.copyOf(next);
    }
}
