package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.access.ModelName;
import dev.corral.access.PinPolicy;
import dev.corral.access.PullPolicy;
import dev.corral.audit.Actions;
import dev.corral.audit.Audit;
import dev.corral.config.Settings;
import dev.corral.upstream.PinWatch;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * /admin/v1/models: the node's models (Ollama's /api/tags), one model (/api/show), pull with its
 * progress streamed back, delete and copy, each checked by policy before Ollama sees it: the name
 * must be one Ollama accepts, a pull must name an allowed registry (policy.registries), plain HTTP
 * only where that list says so, and cloud models only with policy.allow_cloud_models. Changes are
 * audited with the caller as actor. A model name with slashes (namespace/model, host/ns/model) is
 * the rest of the path. Nothing here waits on Ollama on the admin thread. With several Ollama nodes a
 * call names its node with ?node=NAME, or applies to all ({@link NodeTargets}).
 */
public final class ModelsApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelsApi.class);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String BASE = "/admin/v1/models";

    private final OllamaCalls ollama;
    private final NodeTargets targets;
    private final Supplier<Settings> settings;
    private final Audit audit;
    private final PinWatch pins;

    /**
     * @param settings the running configuration, read at each call: a reload's policy.registries and
     *                 policy.allow_cloud_models apply to the next one (where Ollama is waits for a restart)
     */
    public ModelsApi(Supplier<Settings> settings, Audit audit, PinWatch pins) {
        this(settings, audit, pins, null);
    }

    /** @param nodes several Ollama nodes: each call names one (?node=NAME) or applies to all ({@link NodeTargets}) */
    public ModelsApi(Supplier<Settings> settings, Audit audit, PinWatch pins, dev.corral.upstream.Nodes nodes) {
        this.targets = new NodeTargets(settings, nodes);
        this.ollama = targets.first();
        this.settings = settings;
        this.audit = audit;
        this.pins = pins;
    }

    private PullPolicy policy() {
        Settings s = settings.get();
        return new PullPolicy(s.registries(), s.allowCloudModels());
    }

    public ModelsApi register(AdminRoutes routes) {
        routes.add(HttpMethod.GET, BASE, this::list)
                .add(HttpMethod.POST, BASE + "/pull", this::pull)
                .add(HttpMethod.POST, BASE + "/copy", this::copy)
                .add(HttpMethod.POST, BASE + "/pin", this::pin);
        // host/namespace/model:tag has at most three segments; a model called "pull" is GET .../pull.
        for (String rest : List.of("/:a", "/:a/:b", "/:a/:b/:c")) {
            routes.add(HttpMethod.GET, BASE + rest, this::show).add(HttpMethod.DELETE, BASE + rest, this::delete);
        }
        return this;
    }

    private AdminRoutes.Reply list(AdminCall call) {
        if (targets.several() && targets.named(call) == null) {
            return targets.listAll();
        }
        return answer(targets.one(call, "list").call("GET", "/api/tags", null), ModelsApi::json);
    }

    private AdminRoutes.Reply show(AdminCall call) {
        String raw = pathName(call);
        ModelName name = named(() -> ModelName.forShow(raw));
        if (name.cloud() && !policy().allowsCloud()) {
            // Ollama would ask ollama.com, signed with the server's key.
            throw new AdminError(403, "model '" + raw + "' runs on ollama.com; cloud models are refused"
                    + " (policy.allow_cloud_models)");
        }
        return answer(targets.forModel(call, raw).call("POST", "/api/show", F.objectNode().put("model", raw)), ModelsApi::json);
    }

    private AdminRoutes.Reply pull(AdminCall call) {
        ObjectNode body = call.json();
        known(body, Set.of("model", "insecure", "digest"));
        String expected = digest(body);
        String raw = text(body, "model");
        JsonNode insecureField = body.get("insecure");
        if (insecureField != null && !insecureField.isBoolean() && !insecureField.isNull()) {
            throw AdminError.badRequest("insecure: true or false");
        }
        boolean insecure = insecureField != null && insecureField.asBoolean();
        ModelName name = named(() -> ModelName.forPull(raw));
        String node = targets.named(call);
        String refusal = policy().refusal(name, insecure);
        if (refusal != null) {
            log.warn("admin: pull of {} by {} refused: {}", name.shortest(), call.actor(), refusal);
            throw new AdminError(403, refusal);
        }
        if (expected != null) {
            // Pinned before the pull: the model is refused from now until a check finds the pinned digest.
            pins.record(name.shortest(), expected);
        }
        if (targets.several() && node == null) { // every node, one after another, in one stream
            List<Map.Entry<String, OllamaCalls>> all = targets.targets(call);
            return AdminRoutes.Reply.later(r -> new PullEverywhere(all, r, (n, rep) ->
                    new PullRun(n.getValue(), audit, rep, name, insecure, call.actor(), expected, pins).onNode(n.getKey())).start());
        }
        OllamaCalls to = targets.one(call, "pull to");
        return AdminRoutes.Reply.later(r -> new PullRun(to, audit, r, name, insecure, call.actor(), expected, pins).onNode(node).start());
    }

    private AdminRoutes.Reply delete(AdminCall call) {
        String raw = pathName(call);
        ModelName name = named(() -> ModelName.forPull(raw));
        String model = name.shortest();
        var where = targets.targets(call); // checks ?node= (an error with one Ollama)
        if (targets.several()) {
            return targets.onEach(where, "DELETE", "/api/delete", F.objectNode().put("model", model), node -> {
                recorded(call.actor(), Actions.MODEL_DELETE, model, Map.of("node", node), "deleted");
                log.info("admin: model {} deleted on node {} by {}", model, node, call.actor());
            }, F.objectNode().put("model", model).put("deleted", true));
        }
        return answer(ollama.call("DELETE", "/api/delete", F.objectNode().put("model", model)), a -> {
            recorded(call.actor(), Actions.MODEL_DELETE, model, Map.of(), "deleted");
            log.info("admin: model {} deleted by {}", model, call.actor());
            return AdminRoutes.Reply.ok(F.objectNode().put("model", model).put("deleted", true));
        });
    }

    private AdminRoutes.Reply copy(AdminCall call) {
        ObjectNode body = call.json();
        known(body, Set.of("source", "destination"));
        String source = text(body, "source");
        String destination = text(body, "destination");
        // /api/copy reads both with ParseName as given: no trimming, no source suffix.
        if (!ModelName.parse(source).isValid()) {
            throw AdminError.badRequest("source: '" + source + "' is not a valid model name");
        }
        if (!ModelName.parse(destination).isValid()) {
            throw AdminError.badRequest("destination: '" + destination + "' is not a valid model name");
        }
        if (named(() -> ModelName.forShow(destination)).cloud()) {
            throw AdminError.badRequest("destination: '" + destination + "' names a cloud model, which Ollama would run on"
                    + " ollama.com, not from this copy");
        }
        ObjectNode sent = F.objectNode().put("source", source).put("destination", destination);
        var where = targets.targets(call);
        if (targets.several()) {
            return targets.onEach(where, "POST", "/api/copy", sent, node -> {
                recorded(call.actor(), Actions.MODEL_COPY, destination, Map.of("source", source, "node", node), "copied");
                log.info("admin: model {} copied to {} on node {} by {}", source, destination, node, call.actor());
            }, sent.deepCopy().put("copied", true));
        }
        return answer(ollama.call("POST", "/api/copy", sent), a -> {
            recorded(call.actor(), Actions.MODEL_COPY, destination, Map.of("source", source), "copied");
            log.info("admin: model {} copied to {} by {}", source, destination, call.actor());
            return AdminRoutes.Reply.ok(sent.deepCopy().put("copied", true));
        });
    }

    /**
     * Pins a model to the manifest digest Ollama has for it now (its /api/tags entry), or to the digest
     * given if that is the one Ollama has; recorded in the state directory, over policy.pins.
     */
    private AdminRoutes.Reply pin(AdminCall call) {
        ObjectNode body = call.json();
        known(body, Set.of("model", "digest"));
        String raw = text(body, "model");
        named(() -> ModelName.forShow(raw));
        String given = digest(body) == null ? "" : digest(body);
        String model = PinPolicy.key(raw);
        return answer(ollama.call("GET", "/api/tags", null), a -> {
            String digest = digestAt(a, model);
            if (digest == null) {
                throw new AdminError(404, "model '" + raw + "' is not at Ollama; pull it first");
            }
            if (!given.isEmpty() && !given.equals(digest)) {
                throw new AdminError(409, "model '" + model + "' has digest " + digest + " at Ollama, not " + given);
            }
            pins.pin(model, digest);
            recorded(call.actor(), Actions.MODEL_PIN, model, Map.of("digest", digest), "pinned");
            log.info("admin: model {} pinned to {} by {}", model, digest, call.actor());
            return AdminRoutes.Reply.ok(F.objectNode().put("model", model).put("digest", digest));
        });
    }

    /** The body's "digest" (64 hex digits, "sha256:" allowed), or null when it has none. */
    private static String digest(ObjectNode body) {
        String d = body.path("digest").asText("").trim().toLowerCase(java.util.Locale.ROOT).replaceFirst("^sha256:", "");
        if (d.isEmpty()) {
            return null;
        }
        if (!d.matches("[0-9a-f]{64}")) {
            throw AdminError.badRequest("digest: 64 hex digits, as corral models list shows it");
        }
        return d;
    }

    private static String digestAt(OllamaCalls.Answer a, String model) {
        for (JsonNode m : json(a).body().path("models")) {
            if (PinPolicy.key(m.path("name").asText(m.path("model").asText(""))).equals(model)) {
                return m.path("digest").asText("");
            }
        }
        return null;
    }

    /** Answers later with {@code onOk} of Ollama's 2xx answer, or its error. */
    private static AdminRoutes.Reply answer(CompletableFuture<OllamaCalls.Answer> call,
                                            Function<OllamaCalls.Answer, AdminRoutes.Reply> onOk) {
        return AdminRoutes.Reply.later(r -> call.whenComplete((a, t) -> {
            try {
                if (t != null) {
                    throw t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
                }
                r.reply(a.ok() ? onOk.apply(a) : ollamaError(a));
            } catch (AdminError e) {
                r.reply(AdminHandler.error(e.status(), e.getMessage()));
            } catch (Throwable e) {
                log.error("admin models call failed", e);
                r.reply(AdminHandler.error(500, "internal error (see the server's log)"));
            }
        }));
    }

    private static AdminRoutes.Reply json(OllamaCalls.Answer a) {
        try {
            JsonNode n = OllamaCalls.JSON.readTree(a.body());
            if (n != null && n.isObject()) {
                return AdminRoutes.Reply.ok(n);
            }
        } catch (java.io.IOException e) {
            // below
        }
        throw new AdminError(502, "Ollama sent an answer that is not a JSON object");
    }

    /**
     * Ollama's refusal as the caller sees it: a 4xx keeps its status and Ollama's sentence (404
     * "model 'x' not found"); Ollama failing is 502. A 403 with no body is Ollama's Host check.
     */
    static AdminRoutes.Reply ollamaError(OllamaCalls.Answer a) {
        String message = null;
        try {
            JsonNode n = OllamaCalls.JSON.readTree(a.body());
            if (n != null && n.path("error").isTextual()) {
                message = n.path("error").asText();
            }
        } catch (java.io.IOException e) {
            message = null;
        }
        if (message == null && a.status() == 403) {
            return AdminHandler.error(502, "Ollama refused the call (403 with no reason: its Host check; is upstream.url"
                    + " the address Ollama listens on?)");
        }
        if (message == null) {
            String text = new String(a.body(), StandardCharsets.UTF_8).strip();
            message = text.isEmpty() || text.length() > 200 ? "HTTP " + a.status() : text;
        }
        if (a.status() >= 400 && a.status() < 500) {
            return AdminHandler.error(a.status(), message);
        }
        return AdminHandler.error(502, "Ollama failed: " + message);
    }

    /** Records a change that happened; if the log cannot take it, the caller is told so (500). */
    private void recorded(String actor, String action, String target, Map<String, ?> details, String done) {
        try {
            audit.record(actor, action, target, details);
        } catch (RuntimeException e) {
            log.error("the audit log could not record {} {} by {}: {}", action, target, actor, e.toString());
            throw new AdminError(500, "model " + target + " was " + done + ", but the audit log could not record it"
                    + " (see the server's log)");
        }
    }

    private static String pathName(AdminCall call) {
        StringBuilder b = new StringBuilder(call.param("a"));
        for (String p : new String[] {"b", "c"}) {
            if (call.param(p) != null) {
                b.append('/').append(call.param(p));
            }
        }
        return b.toString();
    }

    private static ModelName named(java.util.function.Supplier<ModelName> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw AdminError.badRequest(e.getMessage());
        }
    }

    private static String text(ObjectNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw AdminError.badRequest(field + ": required, a model name");
        }
        return n.asText();
    }

    private static void known(ObjectNode body, Set<String> fields) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) {
                throw AdminError.badRequest("body." + f + ": unknown field (known: " + String.join(", ", new java.util.TreeSet<>(fields)) + ")");
            }
        }
    }

    @Override
    public void close() {
        targets.close();
    }
}
