package dev.corral.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Loads the configuration: embedded defaults, then the YAML file, then CORRAL_* environment
 * variables, then command-line flags; validates the result into {@link Settings}.
 *
 * <p>Every leaf field has an environment variable named after its path: {@code limits.max_body_bytes}
 * is {@code CORRAL_LIMITS_MAX_BODY_BYTES}; lists take comma-separated values.
 */
public final class ConfigLoader {
    // Field names are RawConfig's, snake_cased: each field is spelled once, in RawConfig.
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    private final Map<String, String> env;
    private final Map<String, String> flagNames;

    public ConfigLoader(Map<String, String> env) {
        this(env, Map.of());
    }

    private ConfigLoader(Map<String, String> env, Map<String, String> flagNames) {
        this.env = env;
        this.flagNames = flagNames;
    }

    public static ConfigLoader fromSystem() {
        return new ConfigLoader(System.getenv());
    }

    /** The same loader, naming the command-line flag (field path → "--listen") in errors about an override. */
    public ConfigLoader namingFlags(Map<String, String> fieldToFlag) {
        return new ConfigLoader(env, Map.copyOf(fieldToFlag));
    }

    /** Warnings about the environment: CORRAL_* variables that Corral does not read (likely misspelled). */
    public List<String> environmentWarnings() {
        return CorralVariables.warnings(env);
    }

    /**
     * @param file      the YAML file, or null for none (CORRAL_CONFIG is then consulted)
     * @param overrides field path → value from command-line flags, applied last
     */
    public Settings load(Path file, Map<String, String> overrides) {
        Merged m = merged(file, overrides);
        ObjectNode tree = m.tree();
        Origins origins = m.origins();
        ObjectNode defaults = m.defaults();
        new ConfigShape(origins::where).check(defaults, tree);
        RawConfig raw;
        try {
            raw = YAML.treeToValue(tree, RawConfig.class);
        } catch (UnrecognizedPropertyException e) {
            String field = path(e);
            List<String> known = e.getKnownPropertyIds() == null ? List.of()
                    : e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.toList());
            String leaf = field.substring(field.lastIndexOf('.') + 1);
            String hint = Closest.to(leaf, known).map(k -> "did you mean " + k + "? ").orElse("");
            throw new ConfigException(origins.where(field) + ": unknown field (" + hint + "known here: "
                    + String.join(", ", known) + ")");
        } catch (JsonMappingException e) {
            // ConfigShape catches the wrong kinds it knows; this names what is left without Jackson's class names
            throw new ConfigException(origins.where(path(e)) + ": cannot be read as " + kind(e));
        } catch (IOException e) {
            throw new ConfigException(origins.where("(top level)") + ": " + e.getMessage());
        }
        if (raw.listen == null || raw.upstream == null || raw.limits == null || raw.policy == null || raw.log == null
                || raw.trustedProxies == null || raw.admission == null || raw.admission.keyDefaults == null || raw.listen.tls == null || raw.corsOrigins == null
                || raw.admin == null || raw.usage == null || raw.metrics == null) {
            throw new ConfigException(origins.where("(top level)") + ": a section is empty (null); remove it or give it fields");
        }
        raw.limits.sharedPasswordFromEnvironment = env.get(SharedLimitsConfig.PASSWORD_VARIABLE);
        return Settings.from(raw, origins::where);
    }

    /** The configuration as the file, the environment and the flags make it, before it is checked (for /admin/v1/config). */
    public ObjectNode effective(Path file, Map<String, String> overrides) {
        return merged(file, overrides).tree();
    }

    /** The file a load reads: the given one, else CORRAL_CONFIG's, else none. */
    public Path file(Path given) {
        if (given == null && env.get("CORRAL_CONFIG") != null && !env.get("CORRAL_CONFIG").isBlank()) {
            return Path.of(env.get("CORRAL_CONFIG"));
        }
        return given;
    }

    private record Merged(ObjectNode defaults, ObjectNode tree, Origins origins) {}

    private Merged merged(Path given, Map<String, String> overrides) {
        Path file = file(given);
        Origins origins = new Origins(file == null ? null : file.toString());
        ObjectNode defaults = YAML.valueToTree(new RawConfig());
        ObjectNode tree = defaults.deepCopy();
        Map<String, JsonNode> leaves = new LinkedHashMap<>();
        collectLeaves(tree, "", leaves);
        if (file != null) {
            JsonNode fromFile = readFile(file);
            if (fromFile != null && !fromFile.isNull()) {
                if (!fromFile.isObject()) {
                    throw new ConfigException(file + ": the file must hold a YAML mapping (field: value), not a "
                            + fromFile.getNodeType().name().toLowerCase(Locale.ROOT));
                }
                merge(tree, (ObjectNode) fromFile);
            }
        }
        for (String path : leaves.keySet()) {
            String var = envName(path);
            String value = env.get(var);
            if (value != null) {
                set(tree, path, value, leaves.get(path).isArray());
                origins.set(path, var);
            }
        }
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            if (!leaves.containsKey(o.getKey())) {
                throw new IllegalArgumentException("unknown config field " + o.getKey());
            }
            set(tree, o.getKey(), o.getValue(), leaves.get(o.getKey()).isArray());
            origins.set(o.getKey(), flagNames.getOrDefault(o.getKey(), "command line"));
        }
        return new Merged(defaults, tree, origins);
    }

    /** What the value should have been, in the user's terms. */
    private static String kind(JsonMappingException e) {
        Class<?> t = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m ? m.getTargetType() : null;
        if (t == null) {
            return "this kind of value";
        }
        if (t == String.class) {
            return "text";
        }
        if (t == int.class || t == long.class || t == Integer.class || t == Long.class) {
            return "a whole number";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "true or false";
        }
        if (java.util.Collection.class.isAssignableFrom(t)) {
            return "a list";
        }
        return "a section (NAME: value lines)";
    }

    /**
     * Where each field's value came from, so an error names the file, the environment variable or
     * the flag the user has to change: "corral.yaml: limits.body_timeout" or
     * "CORRAL_LIMITS_BODY_TIMEOUT (limits.body_timeout)".
     */
    private static final class Origins {
        private final String file;
        private final Map<String, String> byPath = new LinkedHashMap<>();

        Origins(String file) {
            this.file = file;
        }

        void set(String path, String origin) {
            byPath.put(path, origin);
        }

        String where(String field) {
            String path = field.replaceAll("\\[\\d+]$", "");
            String origin = byPath.get(path);
            if (origin != null) {
                return origin + " (" + field + ")";
            }
            return (file == null ? "config" : file) + ": " + field;
        }
    }

    /** The environment variable that overrides a field path. */
    public static String envName(String path) {
        return "CORRAL_" + path.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** Every overridable field path, e.g. "limits.max_body_bytes". */
    public static List<String> fieldPaths() {
        Map<String, JsonNode> leaves = new LinkedHashMap<>();
        collectLeaves(YAML.valueToTree(new RawConfig()), "", leaves);
        return new ArrayList<>(leaves.keySet());
    }

    private static JsonNode readFile(Path file) {
        try {
            String text = Files.readString(file);
            if (text.isBlank()) {
                return null;
            }
            return YAML.readTree(text);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found (give an existing file to --config, or none for the defaults)");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ConfigException(file + ": not valid YAML" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
    }

    private static void collectLeaves(JsonNode node, String prefix, Map<String, JsonNode> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                collectLeaves(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
            }
        } else {
            out.put(prefix, node);
        }
    }

    /** Copies the file's values over the defaults; unknown fields pass through so binding can name them. */
    private static void merge(ObjectNode target, ObjectNode source) {
        for (Iterator<Map.Entry<String, JsonNode>> it = source.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode existing = target.get(e.getKey());
            if (existing != null && existing.isObject() && e.getValue().isObject()) {
                merge((ObjectNode) existing, (ObjectNode) e.getValue());
            } else {
                target.set(e.getKey(), e.getValue());
            }
        }
    }

    private static void set(ObjectNode tree, String path, String value, boolean list) {
        String[] parts = path.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (!(child instanceof ObjectNode)) {
                child = node.putObject(parts[i]);
            }
            node = (ObjectNode) child;
        }
        if (list) {
            ArrayNode arr = JsonNodeFactory.instance.arrayNode();
            for (String item : value.split(",")) {
                if (!item.isBlank()) {
                    arr.add(item.trim());
                }
            }
            node.set(parts[parts.length - 1], arr);
        } else {
            node.set(parts[parts.length - 1], TextNode.valueOf(value));
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.length() == 0 ? "(top level)" : sb.toString();
    }
}
