package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.access.ModelName;
import dev.corral.audit.Actions;
import dev.corral.audit.Audit;
import dev.corral.upstream.PinWatch;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pull in progress: Ollama's NDJSON progress passed to the caller line by line as it comes (the
 * next line is read from Ollama only once the last has left), the pull cancelled at Ollama when the
 * caller goes away, and one model.pull audit entry at the end, with the outcome and, after a
 * success, the digest /api/tags now lists for the model. The caller's answer ends after the entry
 * is written, so an audit read after the call returns finds it.
 */
final class PullRun implements OllamaCalls.Lines {
    private static final Logger log = LoggerFactory.getLogger(PullRun.class);

    private final OllamaCalls ollama;
    private final Audit audit;
    private final AdminReplier replier;
    private final ModelName name;
    private final boolean insecure;
    private final String actor;
    private final AtomicBoolean recorded = new AtomicBoolean();
    private volatile boolean success;
    private volatile String error;
    private volatile OllamaCalls.Cancel cancel;
    private final String expected;
    private final PinWatch pins;
    private String node;

    PullRun(OllamaCalls ollama, Audit audit, AdminReplier replier, ModelName name, boolean insecure, String actor) {
        this(ollama, audit, replier, name, insecure, actor, null, null);
    }

    /** @param expected the digest the model is pinned to for this pull (checked at its end), or null */
    PullRun(OllamaCalls ollama, Audit audit, AdminReplier replier, ModelName name, boolean insecure, String actor,
            String expected, PinWatch pins) {
        this.expected = expected;
        this.pins = pins;
        this.ollama = ollama;
        this.audit = audit;
        this.replier = replier;
        this.name = name;
        this.insecure = insecure;
        this.actor = actor;
    }

    /** With several Ollama nodes: the node this pull runs on, named in its audit entry. */
    PullRun onNode(String name) {
        this.node = name;
        return this;
    }

    /** Sends the pull; what Ollama gets is the name as checked, in its shortest form. */
    void start() {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("model", name.shortest());
        if (insecure) {
            body.put("insecure", true);
        }
        log.info("admin: pull of {} started by {}", name.shortest(), actor);
        cancel = ollama.stream("/api/pull", body, this);
        replier.onGone(this::callerGone);
    }

    /** The caller went away: the pull is cancelled at Ollama, and audited as such unless Ollama had finished. */
    void callerGone() {
        OllamaCalls.Cancel c = cancel;
        if (c != null) {
            c.cancel();
        }
        if (success || error != null) {
            record(success ? "success" : "failed", success ? null : error); // Ollama had finished: what it said stands
            return;
        }
        log.info("admin: pull of {} cancelled: {} went away", name.shortest(), actor);
        record("cancelled", null);
    }

    @Override
    public void begin() {
        replier.beginStream();
    }

    @Override
    public void line(String line, Runnable next) {
        if (line.isBlank()) {
            next.run();
            return;
        }
        JsonNode n;
        try {
            n = OllamaCalls.JSON.readTree(line);
        } catch (java.io.IOException e) {
            log.debug("pull of {}: Ollama sent a line that is not JSON", name.shortest());
            next.run();
            return;
        }
        if (n.hasNonNull("error")) {
            error = n.path("error").asText();
        } else if ("success".equals(n.path("status").asText())) {
            success = true;
        }
        replier.line(n, next);
    }

    @Override
    public void end() {
        if (!success) {
            String why = error != null ? error : "Ollama ended the pull without reporting success";
            if (error == null) {
                replier.line(AdminHandler.error(502, why).body(), () -> { });
            }
            record("failed", why);
            replier.end();
            return;
        }
        // The digest Ollama now lists for the model: the sha256 of its manifest (what a pin compares).
        ollama.call("GET", "/api/tags", null).whenComplete((a, t) -> {
            String digest = t == null && a.ok() ? digestOf(a.body()) : null;
            if (expected != null) {
                pins.check(); // the pinned model runs from now on if it is what was pinned
                if (!expected.equals(digest)) {
                    String why = "digest mismatch: Ollama has " + digest + " for " + name.shortest() + ", not the pinned "
                            + expected + "; the model is refused until it is pinned again";
                    log.warn("admin: pull of {} by {}: {}", name.shortest(), actor, why);
                    replier.line(AdminHandler.error(409, why).body(), () -> { });
                    record("digest_mismatch", why);
                    replier.end();
                    return;
                }
            }
            log.info("admin: pull of {} by {} succeeded (digest {})", name.shortest(), actor, digest);
            record("success", digest);
            replier.end();
        });
    }

    @Override
    public void refused(OllamaCalls.Answer answer) {
        AdminRoutes.Reply r = ModelsApi.ollamaError(answer);
        record("failed", r.body().path("error").asText());
        replier.reply(r);
    }

    @Override
    public void failed(AdminError e) {
        record("failed", e.getMessage());
        replier.reply(AdminHandler.error(e.status(), e.getMessage()));
    }

    private String digestOf(byte[] tags) {
        try {
            for (JsonNode m : OllamaCalls.JSON.readTree(tags).path("models")) {
                ModelName listed = ModelName.parse(m.path("name").asText(m.path("model").asText("")));
                if (listed.full().equalsIgnoreCase(name.full()) && m.hasNonNull("digest")) {
                    return m.path("digest").asText();
                }
            }
        } catch (java.io.IOException e) {
            log.debug("reading /api/tags after a pull failed: {}", e.toString());
        }
        return null;
    }

    /** @param fact the digest after a success, the reason after a failure */
    private void record(String outcome, String fact) {
        if (!recorded.compareAndSet(false, true)) {
            return;
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("outcome", outcome);
        details.put("registry", name.registry());
        details.put("insecure", insecure);
        if (node != null) {
            details.put("node", node);
        }
        if (fact != null) {
            details.put(outcome.equals("success") ? "digest" : "error", fact.length() > 300 ? fact.substring(0, 300) : fact);
        }
        try {
            audit.record(actor, Actions.MODEL_PULL, name.shortest(), details);
        } catch (RuntimeException e) {
            log.error("the audit log could not record the pull of {} by {}: {}", name.shortest(), actor, e.toString());
        }
    }
}
