package dev.corral.sim;

import static dev.corral.sim.SimCall.obj;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Answers the embedding routes (embed, embeddings, OpenAI's embeddings) in each one's shape. */
final class EmbedAnswers {
    private final SimModels models;
    private final SimScheduler scheduler;

    EmbedAnswers(SimModels models, SimScheduler scheduler) {
        this.models = models;
        this.scheduler = scheduler;
    }

    void embed(SimCall c) {
        JsonNode body = c.parse();
        String route = c.match().route().name();
        String format = body == null || !route.equals("openai_embeddings") ? "" : openAiEmbedFormat(c, body);
        String name = format == null ? null : c.requireModelField(models, body);
        if (name == null) {
            return;
        }
        scheduler.schedule(c.requestId(), c.match().path(), name, body);
        JsonNode input = route.equals("embeddings") ? body.path("prompt") : body.path("input");
        List<String> inputs = new ArrayList<>();
        if (input.isArray()) {
            input.forEach(n -> inputs.add(n.asText()));
        } else {
            inputs.add(input.asText(""));
        }
        int tokens = 0;
        for (String s : inputs) {
            tokens += Math.max(1, PromptTokens.words(s));
        }
        ObjectNode o = obj();
        switch (route) {
            case "embeddings" -> Embeddings.addFloat64s(o.putArray("embedding"), Embeddings.raw(inputs.get(0)));
            case "embed" -> {
                o.put("model", name);
                ArrayNode arr = o.putArray("embeddings");
                for (String s : inputs) {
                    Embeddings.addFloat32s(arr.addArray(), Embeddings.normalized(s));
                }
                o.put("total_duration", 10_000_000L).put("load_duration", 1_000_000L).put("prompt_eval_count", tokens);
            }
            default -> {
                o.put("object", "list");
                ArrayNode data = o.putArray("data");
                for (int i = 0; i < inputs.size(); i++) {
                    ObjectNode e = data.addObject().put("object", "embedding");
                    float[] v = Embeddings.normalized(inputs.get(i));
                    if (Embeddings.isBase64(format)) {
                        e.put("embedding", Embeddings.base64(v));
                    } else {
                        Embeddings.addFloat32s(e.putArray("embedding"), v);
                    }
                    e.put("index", i);
                }
                o.put("model", name);
                o.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
            }
        }
        c.recorder().generation(new SimRecorder.Generation(c.requestId(), c.match().path(), name, tokens, 0, 0, false));
        if (route.equals("openai_embeddings")) {
            // Ollama's EmbedWriter re-encodes with json.Encoder (a trailing newline) under "application/json".
            byte[] json = Formats.bytes(o);
            byte[] line = Arrays.copyOf(json, json.length + 1);
            line[json.length] = '\n';
            c.bytes(HttpResponseStatus.OK, "application/json", line);
        } else {
            c.json(HttpResponseStatus.OK, o);
        }
    }

    /**
     * The checks EmbeddingsMiddleware (middleware/openai.go) makes before the model is looked up: the body binds
     * (encoding_format is a string), encoding_format is float or base64 in any case, input is present and not
     * an empty list. Returns the format ("" when absent), or null after answering 400.
     */
    private static String openAiEmbedFormat(SimCall c, JsonNode body) {
        JsonNode f = body.path("encoding_format");
        if (!f.isMissingNode() && !f.isNull() && !f.isTextual()) {
            c.error(HttpResponseStatus.BAD_REQUEST, "json: cannot unmarshal " + goJsonType(f)
                    + " into Go struct field EmbedRequest.encoding_format of type string");
            return null;
        }
        String format = f.asText("");
        if (!Embeddings.validFormat(format)) {
            c.error(HttpResponseStatus.BAD_REQUEST, "Invalid value for 'encoding_format' = " + format
                    + ". Supported values: ['float', 'base64'].");
            return null;
        }
        JsonNode input = body.path("input");
        if (input.isMissingNode() || input.isNull() || (input.isArray() && input.isEmpty())) {
            c.error(HttpResponseStatus.BAD_REQUEST, "invalid input");
            return null;
        }
        return format;
    }

    private static String goJsonType(JsonNode n) {
        if (n.isNumber()) {
            return "number";
        }
        if (n.isBoolean()) {
            return "bool";
        }
        return n.isArray() ? "array" : "object";
    }
}
