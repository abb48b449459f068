package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.config.Settings;
import dev.corral.upstream.Node;
import dev.corral.upstream.NodeChoice;
import dev.corral.upstream.Nodes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Which Ollama a model call of the admin API goes to. With one Ollama, that one. With several
 * nodes, the node the caller names with {@code ?node=NAME}; without a name, a change (pull,
 * delete, copy) goes to every node, a listing lists every node's models, and a model is shown by a
 * node that has it.
 */
final class NodeTargets implements AutoCloseable {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final OllamaCalls single;
    private final Nodes nodes;
    private final Map<String, OllamaCalls> perNode = new LinkedHashMap<>();

    NodeTargets(Supplier<Settings> settings, Nodes nodes) {
        this.single = new OllamaCalls(() -> settings.get().upstream());
        this.nodes = nodes;
        if (nodes != null) {
            for (Node n : nodes.all()) {
                perNode.put(n.name(), new OllamaCalls(() -> n.config().at()));
            }
        }
    }

    boolean several() {
        return !perNode.isEmpty();
    }

    /** The one Ollama, or (with several nodes) the first: what is not node-aware (pins) reads this one. */
    OllamaCalls first() {
        return single;
    }

    /** The node {@code call} names (null when it names none); an unknown name, or a name with one Ollama, is an error. */
    String named(AdminCall call) {
        String name = call.query("node");
        if (name == null) {
            return null;
        }
        if (!several()) {
            throw AdminError.badRequest("node: this server has one Ollama (upstream.url), not several nodes to choose from");
        }
        if (!perNode.containsKey(name)) {
            throw AdminError.notFound("no node named '" + name + "' (nodes: " + String.join(", ", perNode.keySet()) + ")");
        }
        return name;
    }

    /** Where a call that goes to one Ollama goes: the named node, else the one Ollama; {@code what} names it in the error. */
    OllamaCalls one(AdminCall call, String what) {
        String name = named(call);
        if (name != null) {
            return perNode.get(name);
        }
        if (several()) {
            throw AdminError.badRequest("node: with several Ollama nodes, name the node to " + what + ": ?node=NAME (one of: "
                    + String.join(", ", perNode.keySet()) + ")");
        }
        return single;
    }

    /** Where to show {@code model}: the named node, else a node in service that has it, else the one Ollama or first node. */
    OllamaCalls forModel(AdminCall call, String model) {
        String name = named(call);
        if (name != null) {
            return perNode.get(name);
        }
        if (!several()) {
            return single;
        }
        String key = NodeChoice.key(model);
        for (Node n : nodes.all()) {
            if (n.inService() && n.models().contains(key)) {
                return perNode.get(n.name());
            }
        }
        return perNode.values().iterator().next();
    }

    /** The nodes a change goes to: the named one, else all (with one Ollama: just it, named ""). */
    List<Map.Entry<String, OllamaCalls>> targets(AdminCall call) {
        String name = named(call);
        if (!several()) {
            return List.of(Map.entry("", single));
        }
        if (name != null) {
            return List.of(Map.entry(name, perNode.get(name)));
        }
        return new ArrayList<>(perNode.entrySet());
    }

    /**
     * Every node's models (GET /api/tags of each, at once), each entry with its node's name; a node
     * that does not answer is listed under "unanswered" with the reason.
     */
    AdminRoutes.Reply listAll() {
        List<Map.Entry<String, OllamaCalls>> all = new ArrayList<>(perNode.entrySet());
        List<CompletableFuture<OllamaCalls.Answer>> calls = new ArrayList<>();
        for (Map.Entry<String, OllamaCalls> e : all) {
            calls.add(e.getValue().call("GET", "/api/tags", null));
        }
        return AdminRoutes.Reply.later(r -> CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).handle((v, t) -> {
            ObjectNode out = F.objectNode();
            ArrayNode models = out.putArray("models");
            ObjectNode unanswered = out.putObject("unanswered");
            for (int i = 0; i < all.size(); i++) {
                String node = all.get(i).getKey();
                String why = outcome(calls.get(i));
                if (why != null) {
                    unanswered.put(node, why);
                    continue;
                }
                try {
                    for (JsonNode m : OllamaCalls.JSON.readTree(calls.get(i).join().body()).path("models")) {
                        if (m.isObject()) {
                            models.add(((ObjectNode) m.deepCopy()).put("node", node));
                        }
                    }
                } catch (java.io.IOException e) {
                    unanswered.put(node, "its answer is not JSON");
                }
            }
            r.reply(AdminRoutes.Reply.ok(out));
            return null;
        }));
    }

    /**
     * Runs one change on each of {@code targets} at once. The answer is {@code reply} with each
     * node's outcome under "nodes" ("ok" or Ollama's reason); it is an error only when no node
     * made the change (then the first node's error, as with one Ollama). {@code done} runs for each
     * node that made it (the audit entry), on the thread that saw the last answer.
     */
    AdminRoutes.Reply onEach(List<Map.Entry<String, OllamaCalls>> targets, String method, String path, JsonNode body,
                             java.util.function.Consumer<String> done, ObjectNode reply) {
        List<CompletableFuture<OllamaCalls.Answer>> calls = new ArrayList<>();
        for (Map.Entry<String, OllamaCalls> e : targets) {
            calls.add(e.getValue().call(method, path, body));
        }
        return AdminRoutes.Reply.later(r -> CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).handle((v, t) -> {
            ObjectNode per = reply.putObject("nodes");
            AdminRoutes.Reply firstError = null;
            boolean any = false;
            try {
                for (int i = 0; i < targets.size(); i++) {
                    String node = targets.get(i).getKey();
                    String why = outcome(calls.get(i));
                    if (why == null && !calls.get(i).join().ok()) {
                        AdminRoutes.Reply err = ModelsApi.ollamaError(calls.get(i).join());
                        firstError = firstError == null ? err : firstError;
                        why = err.body().path("error").asText("HTTP " + calls.get(i).join().status());
                    } else if (why != null && firstError == null) {
                        firstError = AdminHandler.error(502, why);
                    }
                    if (why == null) {
                        done.accept(node);
                        any = true;
                    }
                    per.put(node, why == null ? "ok" : why);
                }
                r.reply(any ? AdminRoutes.Reply.ok(reply) : firstError);
            } catch (AdminError e) {
                r.reply(AdminHandler.error(e.status(), e.getMessage()));
            }
            return null;
        }));
    }

    /** Null when the call was answered (whatever the status), else why not, in words that never name an address. */
    private static String outcome(CompletableFuture<OllamaCalls.Answer> call) {
        try {
            call.join();
            return null;
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            return c instanceof AdminError a ? a.getMessage() : "the node did not answer";
        }
    }

    @Override
    public void close() {
        single.close();
        perNode.values().forEach(OllamaCalls::close);
    }
}
