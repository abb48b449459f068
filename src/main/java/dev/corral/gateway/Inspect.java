package dev.corral.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import java.util.Iterator;
import java.util.Map;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.corral.policy.ModelPolicy;
import dev.corral.route.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.HttpPostMultipartRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Stage 6: reads the body the way Ollama will and applies model policy. Ollama decodes bodies with
 * Go's encoding/json, which matches field names case-insensitively and lets a later duplicate win;
 * so a body with two fields that both mean "model" (exactly or by case) is refused rather than
 * checked on one and run on the other. The body is forwarded byte for byte as read.
 */
public final class Inspect implements Stage {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(64).build())
            .build();
    private static final ObjectMapper TREES = new ObjectMapper(JSON);
    private static final int MAX_MODEL_NAME = 512;
    /** Ollama's model names: [host/][namespace/]model[:tag], each part letters, digits, '.', '_', '-'. */
    private static final java.util.regex.Pattern VALID_NAME =
            java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*(:[A-Za-z0-9][A-Za-z0-9._-]*)?");

    private final ModelPolicy policy;

    public Inspect(ModelPolicy policy) {
        this.policy = policy;
    }

    @Override
    public boolean needsBody() {
        return true;
    }

    @Override
    public Refusal apply(Exchange exchange) {
        Route route = exchange.route();
        String model;
        switch (route.body()) {
            case JSON_MODEL -> {
                Parsed read = parse(exchange.body());
                if (read.refusal() != null) {
                    return read.refusal();
                }
                model = read.model();
                exchange.maxTokens(maxTokens(route.name(), read.root()));
                JsonNode stream = field(read.root(), "stream");
                exchange.stream(stream == null ? route.dialect() == dev.corral.route.Dialect.OLLAMA : stream.asBoolean(false));
                exchange.model(model);
                Refusal denied = policy.decide(exchange.principal(), model);
                if (denied != null) {
                    return denied;
                }
                // Only a request policy lets through is rewritten.
                byte[] rewritten = askForUsage(exchange, read.root());
                if (rewritten != null) {
                    exchange.body(Unpooled.wrappedBuffer(rewritten));
                }
                return null;
            }
            case MULTIPART_MODEL -> {
                BodyModel read = readMultipartModel(exchange);
                if (read.refusal() != null) {
                    return read.refusal();
                }
                model = read.model();
            }
            default -> {
                if (route.modelParam() == null) {
                    return null;
                }
                model = exchange.match().params().get(route.modelParam());
                exchange.model(model);
                // A model the key may not see does not exist for it, as in the filtered /v1/models.
                return policy.visible(exchange.principal(), model) ? null
                        : Refusal.of(RefusalKind.NOT_FOUND, "model_not_allowed", "model '" + model + "' not found");
            }
        }
        exchange.model(model);
        return policy.decide(exchange.principal(), model);
    }

    record BodyModel(String model, Refusal refusal) {
        static BodyModel refuse(String reason, String message) {
            return new BodyModel(null, Refusal.of(RefusalKind.BAD_REQUEST, reason, message));
        }
    }

    /** Finds the one top-level field Go would bind to "model" in a JSON object. */
    static BodyModel readJsonModel(ByteBuf body) {
        Parsed p = parse(body);
        return p.refusal() != null ? new BodyModel(null, p.refusal()) : new BodyModel(p.model(), null);
    }

    /** A JSON body as Ollama will read it. */
    record Parsed(ObjectNode root, String model, Refusal refusal) {}

    static Parsed parse(ByteBuf body) {
        if (body == null || !body.isReadable()) {
            return new Parsed(null, null, BodyModel.refuse("body_missing", "the request body must be a JSON object with a model").refusal());
        }
        if (!io.netty.buffer.ByteBufUtil.isText(body, java.nio.charset.StandardCharsets.UTF_8)) {
            // Checked whole and up front: Jackson does not validate every byte of field names (found by fuzzing).
            return new Parsed(null, null, BodyModel.refuse("body_invalid", "the request body is not valid UTF-8").refusal());
        }
        JsonNode tree;
        try (JsonParser p = JSON.createParser((java.io.InputStream) new ByteBufInputStream(body.duplicate()))) {
            tree = TREES.readTree(p);
            if (tree != null && p.nextToken() != null) {
                return new Parsed(null, null, BodyModel.refuse("body_trailing", "the request body holds data after the JSON object").refusal());
            }
        } catch (IOException | RuntimeException e) {
            return new Parsed(null, null, BodyModel.refuse("body_invalid", "the request body is not valid JSON: "
                    + firstLine(e.getMessage())).refusal());
        }
        if (!(tree instanceof ObjectNode root)) {
            return new Parsed(null, null, BodyModel.refuse("body_not_object", "the request body must be a JSON object").refusal());
        }
        String model = null;
        int modelFields = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equalsIgnoreCase("model")) {
                modelFields++;
                if (!f.getValue().isTextual()) {
                    return new Parsed(null, null, BodyModel.refuse("model_not_string", "model must be a string").refusal());
                }
                model = f.getValue().asText();
            }
        }
        if (modelFields > 1) {
            return new Parsed(null, null, BodyModel.refuse("model_duplicate", "the request body names the model more than once").refusal());
        }
        BodyModel checked = checkName(model);
        return checked.refusal() != null ? new Parsed(null, null, checked.refusal()) : new Parsed(root, model, null);
    }

    /** The value Go binds to {@code name}: field names match case-insensitively, the last one wins. */
    static JsonNode field(JsonNode obj, String name) {
        JsonNode found = null;
        if (obj instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equalsIgnoreCase(name)) {
                    found = f.getValue();
                }
            }
        }
        return found;
    }

    /** num_predict / max_tokens as the route names it; -1 when absent or unbounded. */
    static long maxTokens(String route, ObjectNode root) {
        JsonNode n = switch (route) {
            case "generate", "chat" -> field(field(root, "options"), "num_predict");
            case "openai_chat" -> field(root, "max_completion_tokens") != null ? field(root, "max_completion_tokens")
                    : field(root, "max_tokens");
            case "openai_responses" -> field(root, "max_output_tokens");
            default -> field(root, "max_tokens");
        };
        return n != null && n.canConvertToLong() && n.asLong() >= 0 ? n.asLong() : -1;
    }

    /**
     * Streaming OpenAI chat and completions carry token counts only when the request asks for
     * them (stream_options.include_usage). Corral asks on the client's behalf, and the forwarder
     * hides what the client did not ask for. Returns the body to forward, or null to keep it.
     */
    static byte[] askForUsage(Exchange exchange, ObjectNode root) {
        String route = exchange.route().name();
        if (!(route.equals("openai_chat") || route.equals("openai_completions"))) {
            return null;
        }
        JsonNode stream = field(root, "stream");
        if (stream == null || !stream.asBoolean(false)) {
            return null;
        }
        exchange.stream(true);
        JsonNode options = field(root, "stream_options");
        JsonNode include = field(options, "include_usage");
        if (include != null && include.asBoolean(false)) {
            return null;
        }
        ObjectNode merged = options instanceof ObjectNode o ? o.deepCopy() : TREES.createObjectNode();
        for (Iterator<String> it = merged.fieldNames(); it.hasNext(); ) {
            if (it.next().equalsIgnoreCase("include_usage")) {
                it.remove();
            }
        }
        merged.put("include_usage", true);
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            if (it.next().equalsIgnoreCase("stream_options")) {
                it.remove();
            }
        }
        root.set("stream_options", merged);
        exchange.hideUsage(true);
        try {
            return TREES.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BodyModel readMultipartModel(Exchange exchange) {
        String type = exchange.request().headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (!type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return new BodyModel(null, Refusal.of(RefusalKind.UNSUPPORTED_MEDIA_TYPE, "body_not_multipart",
                    "this route takes multipart/form-data with a model field"));
        }
        DefaultFullHttpRequest full = new DefaultFullHttpRequest(exchange.request().protocolVersion(),
                exchange.request().method(), exchange.request().uri(), exchange.body().retainedDuplicate(),
                exchange.request().headers().copy(), io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
        HttpPostMultipartRequestDecoder decoder = null;
        try {
            decoder = new HttpPostMultipartRequestDecoder(new DefaultHttpDataFactory(false), full, StandardCharsets.UTF_8);
            String model = null;
            int count = 0;
            for (InterfaceHttpData d : decoder.getBodyHttpDatas()) {
                if (d instanceof Attribute a && a.getName().equalsIgnoreCase("model")) {
                    count++;
                    model = a.getValue();
                }
            }
            if (count > 1) {
                return BodyModel.refuse("model_duplicate", "the form names the model more than once");
            }
            return checkName(model);
        } catch (IOException | RuntimeException e) {
            return BodyModel.refuse("body_invalid", "the multipart body cannot be read: " + firstLine(e.getMessage()));
        } finally {
            if (decoder != null) {
                decoder.destroy();
            }
            full.release();
        }
    }

    private static BodyModel checkName(String model) {
        if (model == null || model.isBlank()) {
            return BodyModel.refuse("model_missing", "model is required");
        }
        if (model.length() > MAX_MODEL_NAME) {
            return BodyModel.refuse("model_invalid", "model name is too long");
        }
        if (!VALID_NAME.matcher(model).matches() || model.contains("..") || model.contains("//")) {
            return BodyModel.refuse("model_invalid", "invalid model name (letters, digits and . _ - : / only,"
                    + " as in 'llama3.2:3b' or 'registry.example/ns/model:tag')");
        }
        return new BodyModel(model, null);
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
