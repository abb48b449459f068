package dev.corral.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.access.KeyDirectory;
import dev.corral.admission.AdmissionControl;
import dev.corral.admission.FairQueue;
import dev.corral.audit.Actions;
import dev.corral.audit.AuditLog;
import dev.corral.config.Settings;
import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.LiveExchanges;
import dev.corral.store.Store;
import dev.corral.upstream.UpstreamHealth;
import dev.corral.usage.UsageHealth;
import dev.corral.usage.UsageRecorder;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a running server is doing, for `corral status`, `corral usage` and the console: its health
 * (/admin/v1/status), the requests in flight and the fair queue (/admin/v1/live, and cancelling one,
 * which stops Ollama's work), each Ollama node when there are several (/admin/v1/nodes, also in the status), and usage totals (/admin/v1/usage, the same numbers as `corral usage`).
 */
public final class StatusApi {
    /** The parts of the server it reports on. */
    public record Parts(String version, Instant startedAt, java.util.function.Supplier<Settings> settings, UpstreamHealth upstream, LiveExchanges live,
                        AdmissionControl admission, UsageRecorder usage, AuditLog audit, KeyDirectory keys, Store store,
                        Clock clock, dev.corral.upstream.Nodes nodes) {}

    private final Parts p;

    public StatusApi(Parts parts) {
        this.p = parts;
    }

    public void register(AdminRoutes routes) {
        routes.add(HttpMethod.GET, "/admin/v1/status", this::status)
                .add(HttpMethod.GET, "/admin/v1/nodes", call -> AdminRoutes.Reply.ok(JsonNodeFactory.instance.objectNode()
                        .set("nodes", NodesJson.of(p.nodes()))))
                .add(HttpMethod.GET, "/admin/v1/live", this::live)
                .add(HttpMethod.DELETE, "/admin/v1/live/:id", this::cancel)
                .add(HttpMethod.GET, "/admin/v1/usage", this::usage);
        new AuditApi(p.audit(), p.clock()).register(routes); // the audit log's entries and its chain's state
    }

    private AdminRoutes.Reply status(AdminCall call) {
        ObjectNode o = JsonNodeFactory.instance.objectNode().put("version", p.version())
                .put("started_at", p.startedAt().toString())
                .put("uptime_seconds", Duration.between(p.startedAt(), p.clock().instant()).toSeconds())
                .put("listen", p.settings().get().listen().toString());
        ObjectNode up = o.putObject("upstream").put("url", p.settings().get().upstream().hostHeader()).put("reachable", p.upstream().reachable());
        if (p.nodes().several()) {
            up.put("url", p.nodes().all().size() + " nodes");
            o.set("nodes", NodesJson.of(p.nodes()));
        }
        o.put("requests_in_flight", p.live().size()).put("keys", p.keys().size());
        queue(o.putObject("queue"), false);
        UsageHealth u = p.usage().health();
        o.putObject("usage").put("status", u.refusing() ? "refusing" : u.degraded() ? "degraded" : "ok")
                .put("records_waiting", p.usage().waiting()).put("detail", u.detail());
        o.putObject("audit").put("seq", p.audit().head().seq()).put("head", p.audit().head().hash());
        return AdminRoutes.Reply.ok(o);
    }

    private void queue(ObjectNode q, boolean perKey) {
        FairQueue fq = p.admission().queue();
        q.put("slots", fq.capacity()).put("in_use", fq.inUse()).put("waiting", fq.waiting());
        if (perKey) {
            ObjectNode keys = q.putObject("waiting_by_key");
            fq.waitingByKey().forEach(keys::put);
        }
    }

    private AdminRoutes.Reply live(AdminCall call) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode reqs = o.putArray("requests");
        p.live().snapshot().stream().sorted(Comparator.comparingLong(Exchange::ageNanos).reversed()).forEach(ex -> {
            ObjectNode r = reqs.addObject().put("request_id", ex.requestId()).put("key_id", ex.keyId())
                    .put("route", ex.route() == null ? null : ex.route().name()).put("model", ex.model())
                    .put("age_ms", TimeUnit.NANOSECONDS.toMillis(ex.ageNanos()))
                    .put("client", ex.clientAddress().getHostAddress())
                    .put("state", ex.tally().firstByteNanos() >= 0 ? "answering" : ex.ticket() != null ? "admitted" : "arriving")
                    .put("events", ex.tally().events());
            if (ex.ticket() != null) {
                r.put("reserved_tokens", ex.ticket().promptEstimate() + ex.ticket().completionReserve());
            }
        });
        queue(o.putObject("queue"), true);
        o.putObject("upstream").put("reachable", p.upstream().reachable());
        return AdminRoutes.Reply.ok(o);
    }

    private AdminRoutes.Reply cancel(AdminCall call) {
        String id = call.param("id");
        Exchange ex = p.live().snapshot().stream().filter(e -> e.requestId().equals(id)).findFirst()
                .orElseThrow(() -> AdminError.notFound("no request " + id + " in flight"));
        ex.cancel();
        p.audit().record(call.actor(), Actions.REQUEST_CANCEL, id, Map.of("key_id", ex.keyId() == null ? "-" : ex.keyId(),
                "route", ex.route() == null ? "-" : ex.route().name()));
        return AdminRoutes.Reply.ok(JsonNodeFactory.instance.objectNode().put("cancelled", id));
    }

    private AdminRoutes.Reply usage(AdminCall call) {
        Instant now = p.clock().instant();
        Instant from = UsageReport.time("since", call.query("since") == null ? "7d" : call.query("since"), now, false);
        Instant until = call.query("until") == null ? null : UsageReport.time("until", call.query("until"), now, true);
        if (until != null && !until.isAfter(from)) {
            throw AdminError.badRequest("until: must be after since");
        }
        String key = call.query("key");
        if (key != null && !dev.corral.access.ApiKey.isId(key)) {
            throw AdminError.badRequest("key: not a key id");
        }
        return AdminRoutes.Reply.ok(UsageReport.of(p.store(), from, until, key, call.query("by") == null ? "total" : call.query("by")));
    }
}
