package dev.corral.pipeline;

import dev.corral.refusal.RefusalKind;
import dev.corral.refusal.Refusal;
import dev.corral.access.ModelPolicy;
import dev.corral.route.FormFields;
import dev.corral.route.GoBody;
import dev.corral.route.GoJson;
import dev.corral.route.GoValues;
import dev.corral.route.RequestShape;
import dev.corral.route.Route;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.List;
import java.util.Map;

/**
 * Reads the body the way Ollama will ({@link GoJson}, the one reader for every field policy, limits
 * and accounting use) and applies model policy. The model, the completion bound and the stream flag
 * are taken from the route's {@link RequestShape}, so what Corral checks is what Ollama runs. The
 * body is forwarded byte for byte, except that a streaming OpenAI request that did not ask for
 * token counts is made to ask (and the client never sees them): an edit {@link RewriteBody} makes.
 */
public final class Inspect implements Step {
    private static final int MAX_MODEL_NAME = 512;
    private static final String ASK_FOR_USAGE_VALUE = "{\"include_usage\":true}";

    private final ModelPolicy policy;

    public Inspect(ModelPolicy policy) {
        this.policy = policy;
    }

    @Override
    public Decision apply(Exchange exchange) {
        return Decision.refuseIf(decide(exchange));
    }

    private Refusal decide(Exchange exchange) {
        Route route = exchange.route();
        String model;
        switch (route.body()) {
            case JSON_MODEL -> {
                return inspectJson(exchange, route.shape());
            }
            case MULTIPART_MODEL -> {
                try {
                    model = multipartModel(exchange);
                } catch (GoJson.Refused r) {
                    return refusal(r);
                }
            }
            default -> {
                if (route.modelParam() == null) {
                    return null;
                }
                try {
                    model = checkName(exchange.match().params().get(route.modelParam()));
                } catch (GoJson.Refused r) {
                    return refusal(r);
                }
                exchange.model(model);
                // A model the key may not see does not exist for it, as in the filtered /v1/models.
                return policy.visible(exchange.principal(), model) ? null
                        : Refusal.of(RefusalKind.NOT_FOUND, "model_not_allowed", "model '" + model + "' not found");
            }
        }
        exchange.model(model);
        return policy.decide(exchange.principal(), model);
    }

    private Refusal inspectJson(Exchange exchange, RequestShape shape) {
        List<String> encodings = exchange.request().headers().getAll(HttpHeaderNames.CONTENT_ENCODING);
        if (!encodings.isEmpty() && !(encodings.size() == 1 && encodings.get(0).trim().equalsIgnoreCase("identity"))) {
            // Ollama inflates zstd on some routes; Corral would have to as well to see the fields.
            return Refusal.of(RefusalKind.UNSUPPORTED_MEDIA_TYPE, "body_encoded",
                    "Content-Encoding is not supported: send the JSON body uncompressed");
        }
        GoBody body;
        String model;
        try {
            body = GoJson.decode(exchange.body(), shape.struct());
            GoValues v = body.values();
            model = checkName(modelOf(body, shape));
            exchange.maxTokens(shape.completionLimit().read(v));
            exchange.stream(shape.streams(v));
        } catch (GoJson.Refused r) {
            return refusal(r);
        }
        exchange.model(model);
        Refusal denied = policy.decide(exchange.principal(), model);
        if (denied != null) {
            return denied;
        }
        exchange.parsed(body);
        // Only a request policy lets through is rewritten (by RewriteBody, once).
        if (shape.usage().mustAsk() && exchange.stream() && !includesUsage(body.values())) {
            exchange.edits().replace("stream_options", ASK_FOR_USAGE_VALUE);
            exchange.hideUsage(true);
        }
        return null;
    }

    /** The model Ollama will use; a body that names the same model field twice (in any spelling) is refused. */
    private static String modelOf(GoBody body, RequestShape shape) throws GoJson.Refused {
        for (String f : shape.modelFields()) {
            if (body.membersBoundTo(f) > 1) {
                throw new GoJson.Refused("model_duplicate", "the request body names the model more than once");
            }
        }
        return shape.model(body.values());
    }

    private static boolean includesUsage(GoValues v) {
        GoValues options = v.struct("stream_options");
        return options != null && options.bool("include_usage");
    }

    /** The multipart "model" field as Go's FormValue("model") reads it: the query string first, then the form. */
    private static String multipartModel(Exchange exchange) throws GoJson.Refused {
        String uri = exchange.request().uri();
        int q = uri.indexOf('?');
        if (q >= 0 && FormFields.queryNames(uri.substring(q + 1)).contains("model")) {
            throw new GoJson.Refused("model_in_query", "give the model in the form, not in the query string");
        }
        List<String> headers = exchange.request().headers().getAll(HttpHeaderNames.CONTENT_TYPE);
        Map<String, List<String>> fields = FormFields.read(headers.size() == 1 ? headers.get(0) : null, exchange.body());
        List<String> models = fields.getOrDefault("model", List.of());
        if (models.size() > 1) {
            throw new GoJson.Refused("model_duplicate", "the form names the model more than once");
        }
        return checkName(models.isEmpty() ? "" : models.get(0));
    }

    static String checkName(String model) throws GoJson.Refused {
        if (model.isBlank()) {
            throw new GoJson.Refused("model_missing", "model is required");
        }
        if (model.length() > MAX_MODEL_NAME) {
            throw new GoJson.Refused("model_invalid", "model name is too long");
        }
        if (!ModelNameSyntax.valid(model) || model.contains("..") || model.contains("//")) {
            throw new GoJson.Refused("model_invalid", "invalid model name (letters, digits and . _ - : / only,"
                    + " as in 'llama3.2:3b' or 'registry.example/ns/model:tag')");
        }
        return model;
    }

    /** Reads the model a JSON body names for a route shape, as the inspector would (fuzzing, tests). */
    static String readModel(ByteBuf body, RequestShape shape) throws GoJson.Refused {
        return checkName(modelOf(GoJson.decode(body, shape.struct()), shape));
    }

    private static Refusal refusal(GoJson.Refused r) {
        RefusalKind kind = r.reason().equals("body_not_multipart") ? RefusalKind.UNSUPPORTED_MEDIA_TYPE : RefusalKind.BAD_REQUEST;
        return Refusal.of(kind, r.reason(), r.getMessage());
    }
}
