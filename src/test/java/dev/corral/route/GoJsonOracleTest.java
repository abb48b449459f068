package dev.corral.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Holds {@link GoJson} to Go's own encoding/json: every body in src/test/resources/gojson/golden.jsonl
 * was decoded by Go (scripts/go-oracle.sh) into structs with the fields Corral models. Where Go
 * decodes a body, Corral must read exactly the same values, or refuse it for one of the documented
 * reasons it is stricter than Go; where Go fails (Ollama answers 400), Corral must refuse too.
 */
class GoJsonOracleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Refusals where Corral is stricter than Go on purpose (see GoJson's class comment). */
    private static final Set<String> STRICTER = Set.of("field_ambiguous", "body_trailing", "body_not_object");

    static final Map<String, RequestShape> SHAPES = Map.of(
            "GENERATE", OllamaRequests.GENERATE, "CHAT", OllamaRequests.CHAT, "EMBED", OllamaRequests.EMBED,
            "SHOW", OllamaRequests.SHOW, "OPENAI_CHAT", OllamaRequests.OPENAI_CHAT,
            "OPENAI_COMPLETIONS", OllamaRequests.OPENAI_COMPLETIONS, "OPENAI_RESPONSES", OllamaRequests.OPENAI_RESPONSES,
            "ANTHROPIC_MESSAGES", OllamaRequests.ANTHROPIC_MESSAGES);

    static List<JsonNode> golden() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (InputStream in = GoJsonOracleTest.class.getResourceAsStream("/gojson/golden.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
        }
        return out;
    }

    @Test
    void theGoldenFileCoversTheFoundBypassesAndThousandsOfVariants() throws IOException {
        List<JsonNode> all = golden();
        assertThat(all).hasSizeGreaterThan(3000);
        assertThat(all).anySatisfy(c -> assertThat(c.path("name").asText()).contains("\"stream_optıons\""));
        assertThat(all).anySatisfy(c -> assertThat(c.path("name").asText()).contains("\"max_completion_tokens\":1"));
    }

    @TestFactory
    Stream<DynamicTest> corralReadsEveryBodyAsGoDoes() throws IOException {
        return golden().stream().map(c -> DynamicTest.dynamicTest(c.path("shape").asText() + " " + c.path("name").asText(),
                () -> check(c)));
    }

    static void check(JsonNode c) throws Exception {
        RequestShape shape = SHAPES.get(c.path("shape").asText());
        byte[] body = Base64.getDecoder().decode(c.path("body").asText());
        JsonNode go = c.path("go");
        boolean goFailed = go.has("err");
        ByteBuf buf = Unpooled.wrappedBuffer(body);
        try {
            GoBody decoded;
            try {
                decoded = GoJson.decode(buf, shape.struct());
            } catch (GoJson.Refused r) {
                if (!goFailed && !STRICTER.contains(r.reason()) && !knownStricter(body)) {
                    fail("Corral refused (%s: %s) a body Go decodes: %s", r.reason(), r.getMessage(), go);
                }
                return;
            }
            assertThat(goFailed).as("Go failed (%s) but Corral accepted", go.path("err").asText()).isFalse();
            compare(shape.struct(), decoded.values(), go.path("values"), "");
            JsonNode numPredict = go.path("values").path("options").path("num_predict");
            if (shape.completionLimit().source() == RequestShape.CompletionLimit.Source.OPTION && !numPredict.isMissingNode()
                    && !numPredict.isNull()) {
                if (!numPredict.isNumber()) {
                    try {
                        shape.completionLimit().read(decoded.values());
                        fail("a non-number num_predict must be refused, as Ollama's Options.FromMap does");
                    } catch (GoJson.Refused expected) {
                        return;
                    }
                }
                long goInt = go.path("num_predict_int").asLong();
                long want = Math.abs(numPredict.asDouble()) >= 0x1p63 ? Long.MAX_VALUE : goInt < 0 ? -1 : goInt;
                assertThat(shape.completionLimit().read(decoded.values())).as("num_predict").isEqualTo(want);
            }
        } finally {
            buf.release();
        }
    }

    /** A byte-order mark or invalid UTF-8: Go reads past them (or fails differently), Corral refuses. */
    static boolean knownStricter(byte[] body) {
        return (body.length >= 3 && (body[0] & 0xff) == 0xEF && (body[1] & 0xff) == 0xBB) || !isUtf8(body);
    }

    static boolean isUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    static void compare(GoStruct s, GoValues v, JsonNode go, String path) {
        for (Map.Entry<String, GoType> f : s.fields().entrySet()) {
            String name = f.getKey();
            GoType t = f.getValue();
            JsonNode want = go.path(name);
            String where = path + name;
            switch (t.kind()) {
                case STRING -> assertThat(v.string(name)).as(where).isEqualTo(want.isNull() ? "" : want.asText()); // nil *string
                case BOOL -> assertThat(v.bool(name)).as(where).isEqualTo(want.isNull() ? null : want.asBoolean());
                case INT -> assertThat(v.integer(name)).as(where).isEqualTo(want.isNull() ? null : want.asLong());
                case MAP -> {
                    Map<String, JsonNode> m = v.map(name);
                    if (want.isNull()) {
                        assertThat(m).as(where).isNull();
                    } else {
                        ObjectNode o = JsonNodeFactory.instance.objectNode();
                        m.forEach(o::set);
                        assertThat(norm(o)).as(where).isEqualTo(norm(want));
                    }
                }
                case STRUCT -> {
                    GoValues nested = v.struct(name);
                    if (nested == null && !t.pointer()) {
                        nested = new GoValues(t.struct()); // a struct value never set holds its zero values
                    }
                    if (want.isNull()) {
                        assertThat(nested).as(where).isNull();
                    } else {
                        assertThat(nested).as(where).isNotNull();
                        compare(t.struct(), nested, want, where + ".");
                    }
                }
                case RAW -> {
                    JsonNode raw = v.raw(name);
                    if (want.isNull()) {
                        assertThat(raw == null || raw.isNull()).as(where + " is null").isTrue();
                    } else {
                        assertThat(norm(raw)).as(where).isEqualTo(norm(want));
                    }
                }
            }
        }
    }

    /** Numbers as float64, as Go's interface{} holds them, so 1e3 and 1000 compare equal. */
    static JsonNode norm(JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isNumber()) {
            return JsonNodeFactory.instance.numberNode(n.asDouble() + 0.0); // Go prints -0 as "-0", which reads back as 0
        }
        if (n.isObject()) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                o.set(e.getKey(), norm(e.getValue()));
            }
            return o;
        }
        if (n.isArray()) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            n.forEach(x -> a.add(norm(x)));
            return a;
        }
        return n;
    }
}
