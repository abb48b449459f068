package dev.corral.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The one JSON form audit entries are hashed and written in: RFC 8785 (JSON Canonicalization
 * Scheme) restricted to the values an entry may hold, so that any other implementation of JCS, or
 * Python's {@code json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)},
 * produces the same bytes.
 *
 * <p>The restriction is what makes the form unambiguous without a full JCS implementation:
 * <ul>
 *   <li>values are strings, booleans, null, integers with magnitude at most 2^53 - 1 (no
 *       fractions or exponents: JCS would print them the ECMAScript way, which few libraries
 *       match), arrays and objects;</li>
 *   <li>object member names match {@code [a-z][a-z0-9_]{0,63}} (ASCII, so sorting by UTF-16 code
 *       units, as JCS does, and by code points, as Python does, agree), sorted ascending;</li>
 *   <li>strings are valid Unicode (no lone surrogates). They are written with {@code \"}, {@code \\},
 *       {@code \b \t \n \f \r}, <code>&#92;u00xx</code> (lower-case hex) for the other characters below
 *       U+0020, and every other character as itself in UTF-8;</li>
 *   <li>no whitespace outside strings.</li>
 * </ul>
 */
final class CanonicalJson {
    /** The largest integer JCS (IEEE 754 doubles) represents exactly. */
    static final long MAX_INTEGER = (1L << 53) - 1;
    /** How deep objects and arrays may nest below the outermost one. */
    static final int MAX_DEPTH = 3;
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private CanonicalJson() {}

    /** The canonical text of {@code value}, which must already be {@link #normalize normalized}. */
    static String write(Object value) {
        StringBuilder sb = new StringBuilder(256);
        write(sb, value);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v instanceof Boolean b) {
            sb.append(b.booleanValue());
        } else if (v instanceof Long n) {
            sb.append(n.longValue());
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : new TreeMap<>(m).entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, (String) e.getKey());
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(sb, l.get(i));
            }
            sb.append(']');
        } else {
            throw new IllegalArgumentException("not a canonical value: " + v.getClass().getName());
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /**
     * Checks that {@code v} is a value an entry may hold and returns it in the form {@link #write}
     * takes: Long for every integer, unmodifiable lists and sorted maps. {@code path} names the
     * value in messages ("details.limits.rpm").
     */
    static Object normalize(Object v, String path, int depth) {
        if (depth > MAX_DEPTH && (v instanceof Map || v instanceof Collection)) {
            throw new IllegalArgumentException(path + ": nested too deep (at most " + MAX_DEPTH + " levels)");
        }
        if (v == null || v instanceof Boolean) {
            return v;
        }
        if (v instanceof String s) {
            if (!validUnicode(s)) {
                throw new IllegalArgumentException(path + ": not valid Unicode (a lone surrogate)");
            }
            return s;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            long n = ((Number) v).longValue();
            if (Math.abs(n) > MAX_INTEGER) {
                throw new IllegalArgumentException(path + ": " + n + " is beyond the +-2^53 integers JSON keeps exactly");
            }
            return n;
        }
        if (v instanceof Map<?, ?> m) {
            SortedMap<String, Object> out = new TreeMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String name) || !NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException(path + ": member name '" + e.getKey()
                            + "' must be lower-case letters, digits and '_', starting with a letter");
                }
                out.put(name, normalize(e.getValue(), path + "." + name, depth + 1));
            }
            return Collections.unmodifiableSortedMap(out);
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            int i = 0;
            for (Object item : c) {
                out.add(normalize(item, path + "[" + i++ + "]", depth + 1));
            }
            return Collections.unmodifiableList(out);
        }
        if (v instanceof char[] || v instanceof byte[]) {
            throw new IllegalArgumentException(path + ": " + v.getClass().getSimpleName()
                    + " is how secrets are held; audit entries never carry one");
        }
        if (v instanceof Number) {
            throw new IllegalArgumentException(path + ": " + v.getClass().getSimpleName()
                    + " is not allowed: numbers in audit entries are integers (Long, Integer)");
        }
        throw new IllegalArgumentException(path + ": " + v.getClass().getName()
                + " is not allowed: use strings, integers, booleans, lists and maps (pass a safe text explicitly)");
    }

    /** The value a parsed JSON node stands for, normalized; an unsupported node is an IllegalArgumentException. */
    static Object fromJson(JsonNode n, String path, int depth) {
        if (depth > MAX_DEPTH && n.isContainerNode()) {
            throw new IllegalArgumentException(path + ": nested too deep");
        }
        if (n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return normalize(n.textValue(), path, depth);
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isIntegralNumber()) {
            if (!n.canConvertToLong()) {
                throw new IllegalArgumentException(path + ": integer out of range");
            }
            return normalize(n.longValue(), path, depth);
        }
        if (n.isObject()) {
            SortedMap<String, Object> m = new TreeMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!NAME.matcher(e.getKey()).matches()) {
                    throw new IllegalArgumentException(path + ": member name '" + e.getKey() + "' is not allowed");
                }
                m.put(e.getKey(), fromJson(e.getValue(), path + "." + e.getKey(), depth + 1));
            }
            return Collections.unmodifiableSortedMap(m);
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>(n.size());
            for (int i = 0; i < n.size(); i++) {
                l.add(fromJson(n.get(i), path + "[" + i + "]", depth + 1));
            }
            return Collections.unmodifiableList(l);
        }
        throw new IllegalArgumentException(path + ": " + n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)
                + " values are not allowed (numbers are integers)");
    }

    static boolean validUnicode(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
