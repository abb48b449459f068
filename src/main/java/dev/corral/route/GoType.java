package dev.corral.route;

/**
 * The Go type of one request field, as far as Go's encoding/json cares when Ollama decodes a body
 * into it. Null, merging and type errors depend on it: a JSON {@code null} leaves a string, bool,
 * int or struct as it was but sets a pointer, map or slice to nil; a second object for a map or
 * struct pointer merges into what the first one made.
 *
 * @param kind    what the JSON value is decoded into
 * @param pointer the field is a pointer ({@code *bool}, {@code *int}, {@code *StreamOptions})
 * @param struct  the fields of a struct kind, else null
 */
public record GoType(Kind kind, boolean pointer, GoStruct struct) {

    /** What a JSON value is decoded into. */
    public enum Kind {
        /** {@code string}: a JSON string, else a type error. */
        STRING,
        /** {@code bool}: true or false, else a type error. */
        BOOL,
        /** {@code int} (64 bits): an integer literal that fits, else a type error ("1.0", "1e3" are errors). */
        INT,
        /** {@code map[string]any}: an object whose members merge into the map, keys matched exactly. */
        MAP,
        /** A struct: an object whose members are matched to the struct's fields and merge into it. */
        STRUCT,
        /**
         * A value Corral keeps as written for policy to read later: {@code any}, {@code json.RawMessage},
         * or a type with its own UnmarshalJSON ({@code *Duration}, {@code *ThinkValue}). The last one wins.
         */
        RAW
    }

    public static final GoType STRING = new GoType(Kind.STRING, false, null);
    public static final GoType STRING_PTR = new GoType(Kind.STRING, true, null);
    public static final GoType BOOL = new GoType(Kind.BOOL, false, null);
    public static final GoType BOOL_PTR = new GoType(Kind.BOOL, true, null);
    public static final GoType INT = new GoType(Kind.INT, false, null);
    public static final GoType INT_PTR = new GoType(Kind.INT, true, null);
    public static final GoType MAP = new GoType(Kind.MAP, false, null);
    public static final GoType RAW = new GoType(Kind.RAW, false, null);
    public static final GoType RAW_PTR = new GoType(Kind.RAW, true, null);

    /** A struct value (not a pointer): a JSON null leaves it as it was. */
    public static GoType struct(GoStruct s) {
        return new GoType(Kind.STRUCT, false, s);
    }

    public static GoType structPtr(GoStruct s) {
        return new GoType(Kind.STRUCT, true, s);
    }

    /** The Go spelling, for error messages that read like Ollama's own. */
    public String goName() {
        String base = switch (kind) {
            case STRING -> "string";
            case BOOL -> "bool";
            case INT -> "int";
            case MAP -> "map[string]interface {}";
            case STRUCT -> struct.goName();
            case RAW -> "json.RawMessage";
        };
        return pointer ? "*" + base : base;
    }
}
