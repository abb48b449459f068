package dev.corral.sim;

import static dev.corral.sim.SimCall.obj;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Instant;
import java.util.List;

/** Answers the routes that describe the simulated models: tags, ps, show, blob HEAD and OpenAI's model list. */
final class ModelInfoAnswers {
    private final SimModels models;

    ModelInfoAnswers(SimModels models) {
        this.models = models;
    }

    void tags(SimCall c) {
        ObjectNode o = obj();
        ArrayNode arr = o.putArray("models");
        for (SimModels.Model m : models.all()) {
            ObjectNode e = arr.addObject().put("name", m.name()).put("model", m.name())
                    .put("modified_at", m.modifiedAt().toString()).put("size", m.size()).put("digest", m.digest());
            details(e, m);
        }
        c.json(HttpResponseStatus.OK, o);
    }

    void ps(SimCall c) {
        ObjectNode o = obj();
        ArrayNode arr = o.putArray("models");
        List<SimModels.Model> all = models.all();
        if (!all.isEmpty()) {
            SimModels.Model m = all.get(0);
            ObjectNode e = arr.addObject().put("name", m.name()).put("model", m.name()).put("size", m.size())
                    .put("digest", m.digest());
            details(e, m);
            e.put("expires_at", Instant.now().plusSeconds(300).toString()).put("size_vram", m.size())
                    .put("context_length", 4096);
        }
        c.json(HttpResponseStatus.OK, o);
    }

    void show(SimCall c) {
        JsonNode body = c.parse();
        if (body == null) {
            return;
        }
        String name = body.path("model").asText(body.path("name").asText(""));
        SimModels.Model m = c.requireModel(models, name);
        if (m == null) {
            return;
        }
        ObjectNode o = obj().put("modelfile", "FROM " + m.name() + "\n").put("parameters", "stop \"<|eot|>\"")
                .put("template", "{{ .Prompt }}").put("license", "simulated");
        details(o, m);
        o.putObject("model_info").put("general.architecture", m.family()).put("general.parameter_count", 7_000_000_000L);
        ArrayNode caps = o.putArray("capabilities");
        caps.add(m.embedding() ? "embedding" : "completion");
        o.put("modified_at", m.modifiedAt().toString());
        c.json(HttpResponseStatus.OK, o);
    }

    void blobHead(SimCall c) {
        String digest = c.match().params().get("digest");
        HttpResponseStatus s;
        if (!digest.matches("sha256[:-][0-9a-f]{64}")) {
            s = HttpResponseStatus.BAD_REQUEST;
        } else {
            s = models.hasBlob(digest.replace('-', ':')) ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND;
        }
        c.empty(s);
    }

    void openAiModels(SimCall c) {
        ObjectNode o = obj().put("object", "list");
        ArrayNode data = o.putArray("data");
        for (SimModels.Model m : models.all()) {
            data.addObject().put("id", m.name()).put("object", "model").put("created", m.modifiedAt().getEpochSecond())
                    .put("owned_by", "library");
        }
        c.json(HttpResponseStatus.OK, o);
    }

    void openAiModel(SimCall c) {
        SimModels.Model m = c.requireModel(models, c.match().params().get("model"));
        if (m != null) {
            c.json(HttpResponseStatus.OK, obj().put("id", m.name()).put("object", "model")
                    .put("created", m.modifiedAt().getEpochSecond()).put("owned_by", "library"));
        }
    }

    private static void details(ObjectNode o, SimModels.Model m) {
        ObjectNode d = o.putObject("details");
        d.put("parent_model", "").put("format", "gguf").put("family", m.family());
        d.putArray("families").add(m.family());
        d.put("parameter_size", m.parameterSize()).put("quantization_level", "Q4_K_M");
    }
}
