package dev.corral.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.store.Store;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Usage totals as `corral usage` and GET /admin/v1/usage show them, from one query: requests,
 * refusals, prompt and completion tokens since a time, grouped by day or minute (UTC), model, key
 * (with its name), route or HTTP status, or in total.
 */
public final class UsageReport {
    public static final List<String> GROUPS = List.of("day", "minute", "model", "key", "route", "status", "total");

    private UsageReport() {}

    public static ObjectNode of(Store store, Instant since, String keyId, String by) {
        if (!GROUPS.contains(by)) {
            throw AdminError.badRequest("by: one of " + String.join(", ", GROUPS));
        }
        Map<String, String> names = new HashMap<>();
        if (by.equals("key")) {
            // keys are revoked, never deleted, so every id in the usage records has its name
            store.listKeys().forEach(k -> names.put(k.id(), k.name()));
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode().put("since", since.toString()).put("by", by);
        if (keyId != null) {
            root.put("key", keyId);
        }
        ArrayNode rows = root.putArray("rows");
        for (Store.UsageTotals r : store.usageTotals(since, keyId, by)) {
            ObjectNode row = rows.addObject().put(by, r.group());
            if (by.equals("key")) {
                row.put("name", names.getOrDefault(r.group(), ""));
            }
            row.put("requests", r.requests()).put("refused", r.refused())
                    .put("prompt_tokens", r.promptTokens()).put("completion_tokens", r.completionTokens())
                    .put("total_tokens", r.promptTokens() + r.completionTokens());
        }
        return root;
    }
}
