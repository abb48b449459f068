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
        return of(store, since, null, keyId, by);
    }

    /** As {@link #of(Store, Instant, String, String)}, up to {@code until} (exclusive), or now when null. */
    public static ObjectNode of(Store store, Instant since, Instant until, String keyId, String by) {
        if (!GROUPS.contains(by)) {
            throw AdminError.badRequest("by: one of " + String.join(", ", GROUPS));
        }
        Map<String, String> names = new HashMap<>();
        if (by.equals("key")) {
            // keys are revoked, never deleted, so every id in the usage records has its name
            store.listKeys().forEach(k -> names.put(k.id(), k.name()));
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode().put("since", since.toString()).put("by", by);
        if (until != null) {
            root.put("until", until.toString());
        }
        if (keyId != null) {
            root.put("key", keyId);
        }
        ArrayNode rows = root.putArray("rows");
        for (Store.UsageTotals r : store.usageTotals(since, until, keyId, by)) {
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

    /**
     * A time in a usage query: a span back from {@code now} ("7d", "24h"), a date ("2026-11-01", UTC:
     * its start, or with {@code endOfDay} its end, so a range's last day is included) or an instant.
     */
    static Instant time(String field, String value, Instant now, boolean endOfDay) {
        String v = value.trim();
        if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
            try {
                java.time.LocalDate d = java.time.LocalDate.parse(v);
                return (endOfDay ? d.plusDays(1) : d).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            } catch (java.time.format.DateTimeParseException e) {
                throw AdminError.badRequest(field + ": not a date: " + v);
            }
        }
        if (v.contains("T")) {
            try {
                return Instant.parse(v);
            } catch (java.time.format.DateTimeParseException e) {
                throw AdminError.badRequest(field + ": not an instant such as 2026-11-01T00:00:00Z: " + v);
            }
        }
        try {
            return now.minus(dev.corral.config.Units.duration(v));
        } catch (IllegalArgumentException e) {
            throw AdminError.badRequest(field + ": " + e.getMessage() + " (or a date such as 2026-11-01)");
        }
    }
}
