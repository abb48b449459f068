package dev.corral.sim;

import static dev.corral.sim.SimCall.obj;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Answers the routes that change the simulated models: pull, push and create (with progress), delete, copy. */
final class ModelAdminAnswers {
    private final SimModels models;
    private final long pullPaceMs;

    ModelAdminAnswers(SimModels models, long pullPaceMs) {
        this.models = models;
        this.pullPaceMs = pullPaceMs;
    }

    /** @param what "pull", "push" or "create" */
    void progress(SimCall c, String what) {
        JsonNode body = c.parse();
        if (body == null) {
            return;
        }
        String name = body.path("model").asText(body.path("name").asText(""));
        if (!SimModels.validName(name)) {
            c.error(HttpResponseStatus.BAD_REQUEST, "invalid model name");
            return;
        }
        if (what.equals("push") && models.find(name) == null) {
            c.error(HttpResponseStatus.NOT_FOUND, "model '" + name + "' not found");
            return;
        }
        String digest = "sha256:" + SimModels.sha256(SimModels.canonical(name));
        List<ObjectNode> lines = new ArrayList<>();
        switch (what) {
            case "pull" -> {
                lines.add(obj().put("status", "pulling manifest"));
                for (int done = 100; done <= 1000; done += 100) {
                    lines.add(obj().put("status", "pulling " + digest.substring(7, 19)).put("digest", digest)
                            .put("total", 1000).put("completed", done));
                }
                lines.add(obj().put("status", "verifying sha256 digest"));
                lines.add(obj().put("status", "writing manifest"));
            }
            case "push" -> {
                lines.add(obj().put("status", "retrieving manifest"));
                lines.add(obj().put("status", "pushing " + digest.substring(7, 19)).put("digest", digest).put("total", 1000)
                        .put("completed", 1000));
                lines.add(obj().put("status", "pushing manifest"));
            }
            default -> {
                lines.add(obj().put("status", "reading model metadata"));
                lines.add(obj().put("status", "using existing layer " + digest));
                lines.add(obj().put("status", "writing manifest"));
            }
        }
        lines.add(obj().put("status", "success"));
        Runnable change = what.equals("push") ? () -> { } : () -> models.add(name);
        boolean stream = body.path("stream").asBoolean(true);
        if (!stream) {
            change.run();
            c.json(HttpResponseStatus.OK, lines.get(lines.size() - 1));
            return;
        }
        List<String> text = new ArrayList<>();
        for (ObjectNode l : lines) {
            text.add(new String(Formats.bytes(l), StandardCharsets.UTF_8));
        }
        new PullStream(c, text, pullPaceMs, name, change).start();
    }

    void delete(SimCall c) {
        JsonNode body = c.parse();
        if (body == null) {
            return;
        }
        String name = body.path("model").asText(body.path("name").asText(""));
        if (!models.remove(name)) {
            c.error(HttpResponseStatus.NOT_FOUND, "model '" + name + "' not found");
            return;
        }
        c.empty(HttpResponseStatus.OK);
    }

    void copy(SimCall c) {
        JsonNode body = c.parse();
        if (body == null) {
            return;
        }
        String source = body.path("source").asText("");
        String dest = body.path("destination").asText("");
        if (models.find(source) == null) {
            c.error(HttpResponseStatus.NOT_FOUND, "model '" + source + "' not found");
            return;
        }
        if (!SimModels.validName(dest)) {
            c.error(HttpResponseStatus.BAD_REQUEST, "invalid destination name");
            return;
        }
        models.copy(source, dest); // Ollama copies the manifest: the copy has the source's digest
        c.empty(HttpResponseStatus.OK);
    }
}
