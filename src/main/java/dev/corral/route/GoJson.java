package dev.corral.route;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a request body the way Ollama does: Gin's ShouldBindJSON, which is Go's encoding/json (v1,
 * Go 1.26) decoding into the route's request struct. This is the one reader every field that
 * policy, limits or accounting use goes through, so Corral never checks one value while Ollama
 * runs another. What it models, from Go's decode.go:
 *
 * <ul>
 *   <li>field names match exactly, else ignoring ASCII case; non-ASCII names that could fold onto
 *       a listed field are refused ({@link GoStruct#ambiguous});
 *   <li>a later member for the same field wins for scalars; an object for a map or a struct merges
 *       into what an earlier one made; map keys ({@code options}) match exactly, the last wins;
 *   <li>{@code null} sets pointers and maps to nil and leaves other kinds as they were;
 *   <li>a value of the wrong type is an error for the whole request (Ollama answers 400): Corral
 *       refuses it too, as do integer fields given "1.0" or "1e3" and numbers beyond float64.
 * </ul>
 *
 * Corral is stricter than Go where Go would accept something no client sends and Corral cannot be
 * sure of: invalid UTF-8 (Go replaces it), a byte-order mark (Go rejects it, Jackson would skip
 * it), data after the object (Gin ignores it), nesting beyond 64 levels.
 */
public final class GoJson {
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(64).build())
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private GoJson() {}

    /** A body Corral will not pass on, with a reason code for the logs and a message for the client. */
    public static final class Refused extends Exception {
        private final String reason;

        public Refused(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** Decodes {@code body} (not consumed) into {@code shape}, or says why Corral refuses it. */
    public static GoBody decode(ByteBuf body, GoStruct shape) throws Refused {
        if (body == null || !body.isReadable()) {
            throw new Refused("body_missing", "missing request body");
        }
        if (!ByteBufUtil.isText(body, StandardCharsets.UTF_8)) {
            // Checked whole and up front: Jackson does not validate every byte of field names, and Go
            // would replace bad bytes with U+FFFD where Jackson fails.
            throw new Refused("body_invalid", "the request body is not valid UTF-8");
        }
        int r = body.readerIndex();
        if (body.readableBytes() >= 3 && body.getUnsignedByte(r) == 0xEF && body.getUnsignedByte(r + 1) == 0xBB
                && body.getUnsignedByte(r + 2) == 0xBF) {
            throw new Refused("body_invalid", "the request body starts with a byte-order mark");
        }
        try (JsonParser p = JSON.createParser((InputStream) new ByteBufInputStream(body.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new Refused("body_not_object", "the request body must be a JSON object");
            }
            GoValues values = new GoValues(shape);
            List<GoBody.Member> members = new ArrayList<>();
            long end = decodeStruct(p, shape, values, members);
            boolean trailing;
            try {
                trailing = p.nextToken() != null;
            } catch (IOException e) {
                trailing = true;
            }
            if (trailing) {
                // Gin decodes the first value and ignores the rest; no client sends more, so Corral refuses it.
                throw new Refused("body_trailing", "the request body holds data after the JSON object");
            }
            return new GoBody(body, values, members, end);
        } catch (IOException | RuntimeException e) {
            throw new Refused("body_invalid", "the request body is not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    /** Decodes the members of an object (its '{' already read) into {@code into}; returns the offset of its '}'. */
    private static long decodeStruct(JsonParser p, GoStruct s, GoValues into, List<GoBody.Member> members)
            throws IOException, Refused {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = goString(p.currentName());
            long start = members == null ? 0 : p.currentTokenLocation().getByteOffset();
            String field = s.lookup(key);
            if (field == null && s.ambiguous(key)) {
                throw new Refused("field_ambiguous", "the field name \"" + key + "\" may or may not mean a field of "
                        + s.goName() + " depending on the JSON decoder's case folding; write field names in ASCII");
            }
            p.nextToken();
            if (field == null) {
                p.skipChildren();
            } else {
                decodeField(p, s, field, into);
            }
            if (members != null) {
                members.add(new GoBody.Member(key, field, start));
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new Refused("body_invalid", "the request body is not valid JSON");
        }
        return p.currentTokenLocation().getByteOffset();
    }

    private static void decodeField(JsonParser p, GoStruct s, String field, GoValues into) throws IOException, Refused {
        GoType type = s.type(field);
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            if (type.pointer() || type.kind() == GoType.Kind.MAP) {
                into.put(field, GoValues.NIL);
            } else if (type.kind() == GoType.Kind.RAW) {
                into.put(field, NODES.nullNode()); // json.RawMessage keeps the literal null
            }
            return; // a null leaves strings, bools, ints and structs as they were
        }
        switch (type.kind()) {
            case STRING -> {
                expect(t == JsonToken.VALUE_STRING, p, s, field, type);
                into.put(field, goString(p.getText()));
            }
            case BOOL -> {
                expect(t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE, p, s, field, type);
                into.put(field, t == JsonToken.VALUE_TRUE);
            }
            case INT -> {
                // Go parses the literal with strconv.ParseInt: no fraction, no exponent, within int64.
                expect(t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER,
                        p, s, field, type);
                into.put(field, p.getLongValue());
            }
            case MAP -> {
                expect(t == JsonToken.START_OBJECT, p, s, field, type);
                Map<String, JsonNode> map = into.map(field);
                if (map == null) {
                    map = new LinkedHashMap<>();
                    into.put(field, map);
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = goString(p.currentName());
                    p.nextToken();
                    map.put(key, any(p, s.goName() + "." + field)); // map keys are not folded: exact, the last one wins
                }
            }
            case STRUCT -> {
                expect(t == JsonToken.START_OBJECT, p, s, field, type);
                GoValues nested = into.struct(field);
                if (nested == null) {
                    nested = new GoValues(type.struct());
                    into.put(field, nested);
                }
                decodeStruct(p, type.struct(), nested, null);
            }
            case RAW -> into.put(field, any(p, null));
        }
    }

    /**
     * A value as Go's interface{} holds it. Inside a decoded map ({@code field} names it) a number
     * beyond float64 is an error, as in Go; a raw value (null field) is kept as written.
     */
    private static JsonNode any(JsonParser p, String field) throws IOException, Refused {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = goString(p.currentName());
                    p.nextToken();
                    o.set(key, any(p, field));
                }
                return o;
            }
            case START_ARRAY: {
                ArrayNode a = NODES.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(any(p, field));
                }
                return a;
            }
            case VALUE_STRING:
                return NODES.textNode(goString(p.getText()));
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT: {
                double d = Double.parseDouble(p.getText());
                if (field != null && Double.isInfinite(d)) {
                    throw new Refused("body_type", "json: cannot unmarshal number " + p.getText()
                            + " into Go struct field " + field + " of type float64");
                }
                return NODES.numberNode(d);
            }
            case VALUE_TRUE:
            case VALUE_FALSE:
                return NODES.booleanNode(t == JsonToken.VALUE_TRUE);
            default:
                return NODES.nullNode();
        }
    }

    /**
     * A decoded JSON string as Go holds it: a \\u escape that leaves half a surrogate pair becomes
     * U+FFFD, where Java would keep the lone surrogate.
     */
    static String goString(String s) {
        int n = s.length();
        int i = 0;
        while (i < n && !Character.isSurrogate(s.charAt(i))) {
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder sb = new StringBuilder(n).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else {
                sb.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return sb.toString();
    }

    private static void expect(boolean ok, JsonParser p, GoStruct s, String field, GoType type) throws IOException, Refused {
        if (ok) {
            return;
        }
        JsonToken t = p.currentToken();
        String what = switch (t) {
            case START_OBJECT -> "object";
            case START_ARRAY -> "array";
            case VALUE_STRING -> "string";
            case VALUE_TRUE, VALUE_FALSE -> "bool";
            // Go names the literal only when a number fails to parse as the number type it was meant for
            default -> type.kind() == GoType.Kind.INT ? "number " + p.getText() : "number";
        };
        throw new Refused("body_type", "json: cannot unmarshal " + what + " into Go struct field " + s.goName() + "."
                + field + " of type " + type.goName());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "malformed";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
