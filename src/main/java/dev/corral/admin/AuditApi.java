package dev.corral.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.audit.Actions;
import dev.corral.audit.AuditEntry;
import dev.corral.audit.AuditLog;
import dev.corral.audit.AuditReader;
import dev.corral.audit.AuditVerifier;
import dev.corral.config.Units;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * /admin/v1/audit: the running server's audit log, newest entries first, filtered as `corral audit
 * list` filters (since, actor, action with "key.*"), and /admin/v1/audit/verify: the chain checked
 * from its first line against the head this server holds in memory, so an edit, a deletion or a log
 * cut short is found and its first bad line named.
 */
public final class AuditApi {
    private static final int MAX_LIMIT = 1000;

    private final AuditLog audit;
    private final Clock clock;

    public AuditApi(AuditLog audit, Clock clock) {
        this.audit = audit;
        this.clock = clock;
    }

    public void register(AdminRoutes routes) {
        routes.add(HttpMethod.GET, "/admin/v1/audit", this::list)
                .add(HttpMethod.GET, "/admin/v1/audit/verify", this::verify);
    }

    private AdminRoutes.Reply list(AdminCall call) throws IOException {
        Instant since;
        try {
            since = call.query("since") == null ? Instant.EPOCH : clock.instant().minus(Units.duration(call.query("since")));
        } catch (IllegalArgumentException e) {
            throw AdminError.badRequest("since: " + e.getMessage());
        }
        int limit;
        try {
            limit = call.query("limit") == null ? 200 : Integer.parseInt(call.query("limit"));
        } catch (NumberFormatException e) {
            throw AdminError.badRequest("limit: a whole number from 1 to " + MAX_LIMIT);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw AdminError.badRequest("limit: a whole number from 1 to " + MAX_LIMIT);
        }
        String actor = blankToNull(call.query("actor"));
        String action = blankToNull(call.query("action"));
        Deque<AuditEntry> kept = new ArrayDeque<>();
        long[] counts = new long[2]; // matched, unreadable
        AuditReader.read(audit.file(), new AuditReader.Visitor() {
            @Override
            public void entry(long line, AuditEntry e) {
                if (!e.instant().isBefore(since) && (actor == null || actor.equals(e.actor())) && Actions.matches(action, e.action())) {
                    counts[0]++;
                    kept.addFirst(e);
                    if (kept.size() > limit) {
                        kept.removeLast();
                    }
                }
            }

            @Override
            public void unreadable(long line, String why) {
                counts[1]++;
            }
        });
        ObjectNode out = JsonNodeFactory.instance.objectNode().put("matched", counts[0]).put("unreadable_lines", counts[1]);
        ArrayNode entries = out.putArray("entries");
        for (AuditEntry e : kept) {
            ObjectNode o = entries.addObject().put("seq", e.seq()).put("time", e.time()).put("actor", e.actor())
                    .put("action", e.action()).put("target", e.target());
            o.set("details", AdminCall.JSON.valueToTree(e.details()));
            o.put("hash", e.hash());
        }
        return AdminRoutes.Reply.ok(out);
    }

    private AdminRoutes.Reply verify(AdminCall call) throws IOException {
        String head = audit.head().hash();
        AuditVerifier.Result r = AuditVerifier.verify(audit.file(), head);
        ObjectNode out = JsonNodeFactory.instance.objectNode().put("ok", r.ok()).put("entries", r.entries());
        out.putObject("head").put("seq", audit.head().seq()).put("hash", head);
        if (r.ok()) {
            out.putNull("problem");
        } else {
            AuditVerifier.Problem p = r.problem();
            ObjectNode o = out.putObject("problem").put("line", p.line()).put("kind", p.kind().label)
                    .put("detail", p.detail()).put("sentence", p.sentence(audit.file().getFileName()));
            if (p.seq() != null) {
                o.put("seq", p.seq());
            } else {
                o.putNull("seq");
            }
        }
        return AdminRoutes.Reply.ok(out);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
