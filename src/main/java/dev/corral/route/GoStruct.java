package dev.corral.route;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of one of Ollama's request structs that Corral reads (for policy, limits or
 * accounting) or that a later rule needs, each with its JSON name and Go type. Fields Corral does
 * not list are skipped, as Go skips unknown names.
 *
 * <p>Names are matched the way Go's encoding/json (Go 1.21 and later; Ollama builds with 1.26)
 * matches them: the exact name first, then a case-insensitive match. For an ASCII key that is plain
 * ASCII case folding. A key with non-ASCII letters may fold onto a field under one Go version and
 * not another ({@code "ſtream"}, {@code "stream_optıons"}): {@link #ambiguous} says when it could
 * mean a listed field, and the body is then refused rather than guessed.
 */
public final class GoStruct {
    private final String goName;
    private final Map<String, GoType> fields;
    private final Map<String, String> byUpperAscii = new HashMap<>();

    private GoStruct(String goName, Map<String, GoType> fields) {
        this.goName = goName;
        this.fields = Collections.unmodifiableMap(fields);
        for (String name : fields.keySet()) {
            byUpperAscii.putIfAbsent(GoFold.upperAscii(name), name); // Go keeps the first of two that fold alike
        }
    }

    public static Builder named(String goName) {
        return new Builder(goName);
    }

    public String goName() {
        return goName;
    }

    public Map<String, GoType> fields() {
        return fields;
    }

    public GoType type(String field) {
        return fields.get(field);
    }

    /** The listed field a JSON key binds to, or null when Go would skip it (or, for non-ASCII keys, see {@link #ambiguous}). */
    public String lookup(String key) {
        if (fields.containsKey(key)) {
            return key;
        }
        return GoFold.isAscii(key) ? byUpperAscii.get(GoFold.upperAscii(key)) : null;
    }

    /** True when a non-ASCII key could bind to a listed field under some Go version's (or Java's) folding. */
    public boolean ambiguous(String key) {
        for (String name : fields.keySet()) {
            if (GoFold.couldFoldTo(key, name)) {
                return true;
            }
        }
        return false;
    }

    /** Builds a struct's field list in declaration order. */
    public static final class Builder {
        private final String goName;
        private final Map<String, GoType> fields = new LinkedHashMap<>();

        private Builder(String goName) {
            this.goName = goName;
        }

        public Builder field(String jsonName, GoType type) {
            fields.put(jsonName, type);
            return this;
        }

        public GoStruct build() {
            return new GoStruct(goName, fields);
        }
    }
}
