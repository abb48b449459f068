package dev.corral.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.config.Units;
import dev.corral.store.Store;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `corral usage`: totals from the usage records (requests, refusals, prompt and completion tokens). */
@Command(name = "usage", description = "Print usage totals from the store: requests, refusals, prompt and completion tokens.")
final class UsageCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--key", paramLabel = "ID", description = "Only this key.")
    String key;

    @Option(names = "--since", defaultValue = "7d", description = "How far back, e.g. 24h, 7d, 90d (default ${DEFAULT-VALUE}).")
    String since;

    @Option(names = "--by", defaultValue = "total", description = "Group by day, model, key, or total (default ${DEFAULT-VALUE}).")
    String by;

    @Option(names = "--format", defaultValue = "table", description = "table, json or csv (default ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() throws Exception {
        if (!List.of("day", "model", "key", "total").contains(by)) {
            throw new CorralCommand.UsageError("--by must be day, model, key or total");
        }
        if (!List.of("table", "json", "csv").contains(format)) {
            throw new CorralCommand.UsageError("--format must be table, json or csv");
        }
        Instant from;
        try {
            from = Instant.now().minus(Units.duration(since));
        } catch (IllegalArgumentException e) {
            throw new CorralCommand.UsageError("--since: " + e.getMessage());
        }
        String keyId = key == null ? null : KeysCommand.keyId(key);
        List<Store.UsageTotals> rows;
        Map<String, String> names = new java.util.HashMap<>();
        try (StoreAccess sa = new StoreAccess(config.load(Map.of()))) {
            rows = sa.store.usageTotals(from, keyId, by);
            if (by.equals("key")) {
                // keys are revoked, never deleted, so every id in the usage records has its name
                sa.store.listKeys().forEach(k -> names.put(k.id(), k.name()));
            }
        }
        boolean named = by.equals("key");
        PrintWriter out = spec.commandLine().getOut();
        switch (format) {
            case "json" -> {
                ObjectMapper m = new ObjectMapper();
                ObjectNode root = m.createObjectNode().put("since", from.toString()).put("by", by);
                if (keyId != null) {
                    root.put("key", keyId);
                }
                ArrayNode arr = root.putArray("rows");
                for (Store.UsageTotals r : rows) {
                    ObjectNode row = arr.addObject().put(by, r.group());
                    if (named) {
                        row.put("name", names.getOrDefault(r.group(), ""));
                    }
                    row.put("requests", r.requests()).put("refused", r.refused())
                            .put("prompt_tokens", r.promptTokens()).put("completion_tokens", r.completionTokens())
                            .put("total_tokens", r.promptTokens() + r.completionTokens());
                }
                out.println(m.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            }
            case "csv" -> {
                out.println(by + (named ? ",name" : "") + ",requests,refused,prompt_tokens,completion_tokens,total_tokens");
                for (Store.UsageTotals r : rows) {
                    out.println(csv(r.group()) + (named ? "," + csv(names.getOrDefault(r.group(), "")) : "") + "," + r.requests() + "," + r.refused() + "," + r.promptTokens() + ","
                            + r.completionTokens() + "," + (r.promptTokens() + r.completionTokens()));
                }
            }
            default -> {
                String fmt = (named ? "%-12s  %-20s" : "%-24s%s") + "  %10s  %9s  %14s  %17s  %13s%n";
                out.printf(fmt, by.toUpperCase(java.util.Locale.ROOT), named ? "NAME" : "", "REQUESTS", "REFUSED", "PROMPT_TOKENS",
                        "COMPLETION_TOKENS", "TOTAL_TOKENS");
                for (Store.UsageTotals r : rows) {
                    out.printf(fmt, r.group(), named ? KeysCommand.clip(names.getOrDefault(r.group(), ""), 20) : "", r.requests(),
                            r.refused(), r.promptTokens(), r.completionTokens(), r.promptTokens() + r.completionTokens());
                }
                if (rows.isEmpty()) {
                    spec.commandLine().getErr().println("No usage since " + from + (keyId == null ? "" : " for key " + keyId) + ".");
                }
            }
        }
        out.flush();
        return CorralCommand.OK;
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
