package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.admin.AdminClient;
import dev.corral.config.Settings;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `corral status`: the running server's health, upstream, requests in flight and queue, through its admin socket. */
@Command(name = "status", description = {"Show the running server's health: upstream, requests in flight, queue, usage records, audit head.",
        "Exit codes: 0 healthy, 1 no server answers, 3 running but Ollama is unreachable or usage accounting is refusing requests."})
final class StatusCommand implements Callable<Integer> {
    static final int UNHEALTHY = 3;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--format", defaultValue = "table", description = "table or json (default ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("table") && !format.equals("json")) {
            throw new CorralCommand.UsageError("--format must be table or json");
        }
        Settings settings = config.load(Map.of());
        if (!AdminClient.answers(settings.adminSocket())) {
            throw new CorralCommand.Failure("no Corral server answers on " + settings.adminSocket()
                    + " (start one with corral serve, or give the --config or --state-dir it uses)");
        }
        AdminClient.Response r;
        try {
            r = new AdminClient(settings.adminSocket(), Duration.ofSeconds(10)).call("GET", "/admin/v1/status", null);
        } catch (IOException e) {
            throw new CorralCommand.Failure("the running server did not answer on its admin socket: " + e.getMessage());
        }
        if (!r.ok()) {
            throw new CorralCommand.Failure(r.error());
        }
        JsonNode s = r.body();
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
        } else {
            out.printf("corral %s, up %s, listening on %s%n", s.path("version").asText(), uptime(s.path("uptime_seconds").asLong()),
                    s.path("listen").asText());
            out.printf("upstream    %s  %s%n", s.path("upstream").path("url").asText(),
                    s.path("upstream").path("reachable").asBoolean() ? "reachable" : "UNREACHABLE");
            for (JsonNode n : s.path("nodes")) { // several Ollama nodes
                out.printf("  node %-20s %s  %s, slots %d of %d in use, %d waiting, %d models (%d loaded)%s%n",
                        n.path("name").asText(), n.path("url").asText(), n.path("in_service").asBoolean() ? "in service" : "EJECTED",
                        n.path("in_use").asInt(), n.path("slots").asInt(), n.path("waiting").asInt(), n.path("models").size(),
                        n.path("loaded").size(), n.path("in_service").asBoolean() || n.path("last_failure").isNull() ? ""
                                : " (" + n.path("last_failure").asText() + ")");
            }
            JsonNode q = s.path("queue");
            out.printf("requests    %d in flight; Ollama slots %d of %d in use, %d waiting%n", s.path("requests_in_flight").asInt(),
                    q.path("in_use").asInt(), q.path("slots").asInt(), q.path("waiting").asInt());
            JsonNode u = s.path("usage");
            out.printf("usage       %s, %d records waiting%s%n", u.path("status").asText(), u.path("records_waiting").asInt(),
                    u.path("detail").isNull() ? "" : " (" + u.path("detail").asText() + ")");
            out.printf("audit       head seq %d %s%n", s.path("audit").path("seq").asLong(), s.path("audit").path("head").asText());
            out.printf("keys        %d%n", s.path("keys").asInt());
        }
        out.flush();
        boolean healthy = s.path("upstream").path("reachable").asBoolean() && !s.path("usage").path("status").asText().equals("refusing");
        return healthy ? CorralCommand.OK : UNHEALTHY;
    }

    static String uptime(long seconds) {
        return seconds >= 86400 ? seconds / 86400 + "d " + seconds % 86400 / 3600 + "h"
                : seconds >= 3600 ? seconds / 3600 + "h " + seconds % 3600 / 60 + "m" : seconds / 60 + "m " + seconds % 60 + "s";
    }
}
