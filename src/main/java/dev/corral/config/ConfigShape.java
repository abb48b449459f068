package dev.corral.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Checks a configuration tree against the shape of the defaults before it is bound, so that a
 * wrong kind of value is reported in the user's terms ("expected a whole number, got \"many\"")
 * rather than in Jackson's ("Cannot construct instance of RawConfig$Listen"): sections stay
 * sections, lists stay lists, whole numbers are whole, booleans are true or false. Values from
 * environment variables arrive as text; those that read as the expected kind are converted in
 * place. Fields the defaults do not have are left for binding to report as unknown.
 */
final class ConfigShape {
    /** Names where a value came from: "corral.yaml: admission.queue_size" or "CORRAL_ADMISSION_QUEUE_SIZE (admission.queue_size)". */
    private final UnaryOperator<String> where;

    /** Lists whose entries are mappings, not single values. */
    private static final java.util.Set<String> OBJECT_LISTS = java.util.Set.of("auth.oidc");

    ConfigShape(UnaryOperator<String> where) {
        this.where = where;
    }

    void check(ObjectNode defaults, ObjectNode given) {
        check(defaults, given, "");
    }

    private void check(ObjectNode defaults, ObjectNode given, String prefix) {
        List<String> names = new ArrayList<>();
        given.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode d = defaults.get(name);
            if (d == null) {
                continue;
            }
            String path = prefix + name;
            JsonNode v = given.get(name);
            if (d.isObject()) {
                section(path, (ObjectNode) d, v);
                if (v.isObject() && d.size() > 0) {
                    check((ObjectNode) d, (ObjectNode) v, path + ".");
                }
            } else if (d.isArray()) {
                list(path, v);
            } else if (d.isIntegralNumber()) {
                given.set(name, wholeNumber(path, v, d.isInt()));
            } else if (d.isBoolean()) {
                given.set(name, bool(path, v));
            } else if (v.isContainerNode()) {
                throw fail(path, "expected a single value, got " + describe(v));
            }
        }
    }

    private void section(String path, ObjectNode d, JsonNode v) {
        if (v.isObject()) {
            return;
        }
        if (v.isNull()) {
            throw fail(path, "is empty; give it fields, or remove the line to keep the defaults");
        }
        if (d.size() == 0) {
            throw fail(path, "expected a mapping (one \"NAME: value\" line per entry), got " + describe(v));
        }
        List<String> children = new ArrayList<>();
        d.fieldNames().forEachRemaining(c -> children.add(path + "." + c));
        String listed = String.join(", ", children.subList(0, Math.min(2, children.size())))
                + (children.size() > 2 ? ", ..." : "");
        String hint = "";
        for (Iterator<Map.Entry<String, JsonNode>> it = d.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            if (sameKind(c.getValue(), v)) {
                hint = "; did you mean " + path + "." + c.getKey() + ": " + v.asText() + "?";
                break;
            }
        }
        throw fail(path, "is a section (" + listed + "), not a value" + hint);
    }

    private static boolean sameKind(JsonNode defaultValue, JsonNode v) {
        if (defaultValue.isContainerNode()) {
            return false;
        }
        if (v.isBoolean()) {
            return defaultValue.isBoolean();
        }
        if (v.isNumber()) {
            return defaultValue.isNumber();
        }
        return defaultValue.isTextual() || defaultValue.isNull();
    }

    private void list(String path, JsonNode v) {
        if (path.equals("upstreams") && v.isArray()) { // each node a URL, or a mapping checked when bound
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isObject() && !v.get(i).isTextual()) {
                    throw fail(path + "[" + i + "]", "expected a URL or a mapping (url: ..., slots: ...), got " + describe(v.get(i)));
                }
            }
            return;
        }
        if (OBJECT_LISTS.contains(path) && v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isObject()) {
                    throw fail(path + "[" + i + "]", "expected a mapping (issuer: ..., audience: ...), got " + describe(v.get(i)));
                }
            }
            return; // their fields are checked when bound
        }
        if (v.isNull()) {
            throw fail(path, "is empty; write " + leaf(path) + ": [] for none");
        }
        if (!v.isArray()) {
            throw fail(path, "expected a list, got " + describe(v) + "; write " + leaf(path) + ": [" + v.asText() + "]");
        }
        for (int i = 0; i < v.size(); i++) {
            if (v.get(i).isContainerNode() || v.get(i).isNull()) {
                throw fail(path + "[" + i + "]", "expected a single value, got " + describe(v.get(i)));
            }
        }
    }

    private JsonNode wholeNumber(String path, JsonNode v, boolean isInt) {
        BigDecimal n = null;
        if (v.isNumber()) {
            n = v.decimalValue();
        } else if (v.isTextual()) {
            try {
                n = new BigDecimal(v.asText().trim().replace("_", ""));
            } catch (NumberFormatException e) {
                n = null;
            }
        }
        if (n == null || n.signum() != 0 && n.stripTrailingZeros().scale() > 0) {
            throw fail(path, "expected a whole number, got " + describe(v));
        }
        long max = isInt ? Integer.MAX_VALUE : 1_000_000_000_000_000L;
        if (n.abs().compareTo(BigDecimal.valueOf(max)) > 0) {
            throw fail(path, "expected a whole number up to " + max + ", got " + describe(v));
        }
        return isInt ? IntNode.valueOf(n.intValueExact()) : LongNode.valueOf(n.longValueExact());
    }

    private JsonNode bool(String path, JsonNode v) {
        if (v.isBoolean()) {
            return v;
        }
        if (v.isTextual()) {
            String t = v.asText().trim().toLowerCase(Locale.ROOT);
            if (t.equals("true") || t.equals("false")) {
                return BooleanNode.valueOf(t.equals("true"));
            }
        }
        throw fail(path, "expected true or false, got " + describe(v));
    }

    private static String leaf(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    /** A value as the user wrote it: "many" quoted, 5.5 bare, a section, a list, nothing. */
    static String describe(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "nothing";
        }
        if (v.isObject()) {
            return "a section";
        }
        if (v.isArray()) {
            return "a list";
        }
        if (v.isTextual()) {
            return "\"" + v.asText() + "\"";
        }
        return v.asText();
    }

    private ConfigException fail(String path, String what) {
        return new ConfigException(where.apply(path) + ": " + what);
    }
}
