package dev.corral.route;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;

/**
 * The values a Go struct holds after decoding, for the fields its {@link GoStruct} lists. A field
 * never set reads as Go's zero value: "" for a string, false, 0, nil for pointers and maps.
 */
public final class GoValues {
    /** A pointer or map set to nil by a JSON null. */
    static final Object NIL = new Object();

    private final GoStruct shape;
    private final Map<String, Object> values = new HashMap<>(8);

    GoValues(GoStruct shape) {
        this.shape = shape;
    }

    public GoStruct shape() {
        return shape;
    }

    Object get(String field) {
        Object v = values.get(field);
        return v == NIL ? null : v;
    }

    void put(String field, Object value) {
        values.put(field, value);
    }

    /** A string field: "" when never set (and a *string: "" when nil). */
    public String string(String field) {
        Object v = get(field);
        return v == null ? "" : (String) v;
    }

    /** A bool field: false when never set; a *bool: null when nil. */
    public Boolean bool(String field) {
        Object v = get(field);
        if (v == null) {
            return shape.type(field).pointer() ? null : Boolean.FALSE;
        }
        return (Boolean) v;
    }

    /** An int field: 0 when never set; an *int: null when nil. */
    public Long integer(String field) {
        Object v = get(field);
        if (v == null) {
            return shape.type(field).pointer() ? null : 0L;
        }
        return (Long) v;
    }

    /** A map[string]any field: null when nil. Values are as Go's interface{} holds them (numbers are float64). */
    @SuppressWarnings("unchecked")
    public Map<String, JsonNode> map(String field) {
        return (Map<String, JsonNode>) get(field);
    }

    /** A struct pointer: null when nil; a struct value: null when never set (all its fields at zero). */
    public GoValues struct(String field) {
        return (GoValues) get(field);
    }

    /** A raw field: the last JSON value given (a NullNode for an explicit null), or null when never set or nil. */
    public JsonNode raw(String field) {
        return (JsonNode) get(field);
    }

    /** True when a member of the body bound to this field (even if its value leaves the field at zero). */
    public boolean present(String field) {
        return values.containsKey(field);
    }
}
