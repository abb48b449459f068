package dev.corral.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.config.Units;
import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.admin.AdminClient;
import dev.corral.admin.UsageReport;
import dev.corral.config.Settings;
import java.time.Duration;
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

    @Option(names = "--by", defaultValue = "total", description = "Group by day, minute, model, key, route, status, or total (default ${DEFAULT-VALUE}).")
    String by;

    @Option(names = "--format", defaultValue = "table", description = "table, json or csv (default ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() throws Exception {
        if (!UsageReport.GROUPS.contains(by)) {
            throw new CorralCommand.UsageError("--by must be day, minute, model, key, route, status or total");
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
        ObjectNode report = report(config.load(Map.of()), from, keyId);
        boolean named = by.equals("key");
        PrintWriter out = spec.commandLine().getOut();
        JsonNode rows = report.path("rows");
        switch (format) {
            case "json" -> out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
            case "csv" -> {
                out.println(by + (named ? ",name" : "") + ",requests,refused,prompt_tokens,completion_tokens,total_tokens");
                for (JsonNode r : rows) {
                    out.println(csv(r.path(by).asText()) + (named ? "," + csv(r.path("name").asText()) : "") + ","
                            + r.path("requests").asLong() + "," + r.path("refused").asLong() + "," + r.path("prompt_tokens").asLong()
                            + "," + r.path("completion_tokens").asLong() + "," + r.path("total_tokens").asLong());
                }
            }
            default -> {
                String fmt = (named ? "%-12s  %-20s" : "%-24s%s") + "  %10s  %9s  %14s  %17s  %13s%n";
                out.printf(fmt, by.toUpperCase(java.util.Locale.ROOT), named ? "NAME" : "", "REQUESTS", "REFUSED", "PROMPT_TOKENS",
                        "COMPLETION_TOKENS", "TOTAL_TOKENS");
                for (JsonNode r : rows) {
                    out.printf(fmt, r.path(by).asText(), named ? KeysCommand.clip(r.path("name").asText(), 20) : "",
                            r.path("requests").asLong(), r.path("refused").asLong(), r.path("prompt_tokens").asLong(),
                            r.path("completion_tokens").asLong(), r.path("total_tokens").asLong());
                }
                if (rows.isEmpty()) {
                    spec.commandLine().getErr().println("No usage since " + from + (keyId == null ? "" : " for key " + keyId) + ".");
                }
            }
        }
        out.flush();
        return CorralCommand.OK;
    }

    /** From the running server through its admin socket when one answers (it may be the only one allowed to read the store), else from the store. */
    private ObjectNode report(Settings settings, Instant from, String keyId) {
        if (AdminClient.answers(settings.adminSocket())) {
            String q = "/admin/v1/usage?since=" + since + "&by=" + by + (keyId == null ? "" : "&key=" + keyId);
            AdminClient.Response r;
            try {
                r = new AdminClient(settings.adminSocket(), Duration.ofSeconds(60)).call("GET", q, null);
            } catch (java.io.IOException e) {
                throw new CorralCommand.Failure("the running server did not answer on its admin socket: " + e.getMessage());
            }
            if (!r.ok()) {
                throw new CorralCommand.Failure(r.error());
            }
            return (ObjectNode) r.body();
        }
        try (StoreAccess sa = new StoreAccess(settings)) {
            return UsageReport.of(sa.store, from, keyId, by);
        }
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
