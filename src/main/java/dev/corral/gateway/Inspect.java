package dev.corral.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
                BodyModel read = readJsonModel(exchange.body());
                if (read.refusal() != null) {
                    return read.refusal();
                }
                model = read.model();
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
        if (body == null || !body.isReadable()) {
            return BodyModel.refuse("body_missing", "the request body must be a JSON object with a model");
        }
        String model = null;
        int modelFields = 0;
        try (JsonParser p = JSON.createParser((java.io.InputStream) new ByteBufInputStream(body.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return BodyModel.refuse("body_not_object", "the request body must be a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equalsIgnoreCase("model")) {
                    modelFields++;
                    if (v != JsonToken.VALUE_STRING) {
                        return BodyModel.refuse("model_not_string", "model must be a string");
                    }
                    model = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT) {
                return BodyModel.refuse("body_invalid", "the request body is not valid JSON");
            }
            if (p.nextToken() != null) {
                return BodyModel.refuse("body_trailing", "the request body holds data after the JSON object");
            }
        } catch (IOException | RuntimeException e) {
            return BodyModel.refuse("body_invalid", "the request body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (modelFields > 1) {
            return BodyModel.refuse("model_duplicate", "the request body names the model more than once");
        }
        return checkName(model);
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
