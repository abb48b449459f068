package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.access.ModelName;
import dev.corral.admin.AdminClient;
import dev.corral.admin.AdminStreamClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `corral models`: the models of the Ollama behind a running server, through its admin socket, so
 * the server's policy (allowed registries, no plain HTTP, no cloud models) applies and every change
 * is in its audit log under the caller's uid.
 */
@Command(name = "models", description = {"List, show, pull, delete and copy the models of the Ollama behind a running server.",
        "These go through the server's admin socket (its policy applies, changes are audited): they need a running server."},
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Show.class, ModelsCommand.Pull.class,
                ModelsCommand.Remove.class, ModelsCommand.Copy.class, ModelsCommand.Pin.class})
final class ModelsCommand {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = "/admin/v1/models";

    /** What every subcommand shares: the configuration, and the way to the running server. */
    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOptions config;

        @Option(names = "--node", paramLabel = "NAME", description = "With several Ollama nodes (upstreams): only this node"
                + " (without it, list, pull, delete and copy apply to every node).")
        String node;

        /** {@code path} for the node given with --node, if any. */
        String onNode(String path) {
            return node == null ? path : path + (path.contains("?") ? "&" : "?") + "node="
                    + java.net.URLEncoder.encode(node, StandardCharsets.UTF_8);
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        Path socket() {
            Path socket = config.load(Map.of()).adminSocket();
            if (!AdminClient.answers(socket)) {
                throw new CorralCommand.Failure("no Corral server answers on " + socket + "; corral models works through a"
                        + " running server (start one with corral serve, or give the --config or --state-dir it uses)");
            }
            return socket;
        }

        JsonNode call(String method, String path, JsonNode body) {
            AdminClient.Response r;
            try {
                r = new AdminClient(socket(), Duration.ofMinutes(2)).call(method, onNode(path), body);
            } catch (IOException e) {
                throw new CorralCommand.Failure("the running server did not answer on its admin socket: " + e.getMessage());
            }
            return checked(r);
        }

        static JsonNode checked(AdminClient.Response r) {
            if (r.ok()) {
                return r.body();
            }
            if (r.status() == 400) {
                throw new CorralCommand.UsageError(r.error());
            }
            throw new CorralCommand.Failure(r.error());
        }
    }

    @Command(name = "list", description = "List the models Ollama has, with their digests (sha256 of the manifest).")
    static final class ListModels extends Base {
        @Option(names = "--format", defaultValue = "table", description = "table or json (default ${DEFAULT-VALUE}).")
        String format;

        @Override
        public Integer call() throws Exception {
            format(format);
            JsonNode models = call("GET", BASE, null).path("models");
            if (format.equals("json")) {
                out().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(models));
            } else if (models.isEmpty()) {
                err().println("Ollama has no models yet. Pull one: corral models pull NAME");
            } else {
                String fmt = "%-40s  %-12s  %8s  %s%n";
                out().printf(fmt, "NAME", "DIGEST", "SIZE", "MODIFIED");
                for (JsonNode m : models) {
                    String modified = m.path("modified_at").asText("");
                    String where = m.has("node") ? " @" + m.path("node").asText() : ""; // several nodes: which has it
                    out().printf(fmt, m.path("name").asText() + where, clip(m.path("digest").asText(""), 12),
                            PullProgress.bytes(m.path("size").asLong()), modified.length() > 19 ? modified.substring(0, 19) : modified);
                }
            }
            out().flush();
            return CorralCommand.OK;
        }
    }

    @Command(name = "show", description = "Show one model: family, parameters, quantization, capabilities, license.")
    static final class Show extends Base {
        @Parameters(paramLabel = "NAME", description = "The model, e.g. llama3.2:3b or namespace/model:tag.")
        String name;

        @Option(names = "--format", defaultValue = "table", description = "table or json (default ${DEFAULT-VALUE}).")
        String format;

        @Override
        public Integer call() throws Exception {
            format(format);
            ModelName parsed = valid(() -> ModelName.forShow(name));
            JsonNode m = call("GET", modelPath(name, parsed), null);
            if (format.equals("json")) {
                out().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m));
                out().flush();
                return CorralCommand.OK;
            }
            JsonNode d = m.path("details");
            String fmt = "  %-14s %s%n";
            out().printf("Model %s%n", name.strip());
            printIf(fmt, "family", d.path("family").asText(""));
            printIf(fmt, "parameters", d.path("parameter_size").asText(""));
            printIf(fmt, "quantization", d.path("quantization_level").asText(""));
            printIf(fmt, "format", d.path("format").asText(""));
            List<String> caps = new ArrayList<>();
            m.path("capabilities").forEach(c -> caps.add(c.asText()));
            printIf(fmt, "capabilities", String.join(", ", caps));
            String license = m.path("license").asText("").strip();
            printIf(fmt, "license", license.isEmpty() ? "" : clip(license.lines().findFirst().orElse(""), 60));
            out().flush();
            return CorralCommand.OK;
        }

        private void printIf(String fmt, String label, String value) {
            if (!value.isEmpty()) {
                out().printf(fmt, label, value);
            }
        }
    }

    @Command(name = "pull", description = {"Pull a model into Ollama, with its progress on standard error.",
            "The server's policy decides: only registries in policy.registries, plain HTTP only where it allows, no cloud"
                    + " models unless policy.allow_cloud_models. Interrupting the command cancels the pull."})
    static final class Pull extends Base {
        @Parameters(paramLabel = "NAME", description = "The model, e.g. llama3.2:3b or registry.example.com:5000/team/model:tag.")
        String name;

        @Option(names = "--insecure", description = "Plain HTTP to the registry (only one policy.registries lists as http://HOST).")
        boolean insecure;

        @Option(names = "--digest", paramLabel = "SHA256", description = "Pin the model to this manifest digest: checked"
                + " when the pull ends, and inference on it is refused while it differs.")
        String digest;

        @Option(names = "--progress", defaultValue = "auto", paramLabel = "MODE",
                description = "bar, plain or auto (a bar when standard error is a terminal; default ${DEFAULT-VALUE}).")
        String progress;

        @Override
        public Integer call() throws Exception {
            if (!List.of("auto", "bar", "plain").contains(progress)) {
                throw new CorralCommand.UsageError("--progress must be auto, bar or plain");
            }
            ModelName parsed = valid(() -> ModelName.forPull(name));
            ObjectNode body = JSON.createObjectNode().put("model", name);
            if (insecure) {
                body.put("insecure", true);
            }
            if (digest != null) {
                body.put("digest", digest);
            }
            Path socket = socket();
            PullProgress shown = new PullProgress(err(), progress.equals("bar") || progress.equals("auto")
                    && PullProgress.stderrIsTerminal());
            String[] error = {null};
            AdminClient.Response r;
            try {
                r = AdminStreamClient.call(socket, "POST", onNode(BASE + "/pull"), body, l -> {
                    if (l.hasNonNull("error")) {
                        error[0] = l.path("error").asText();
                    }
                    shown.line(l);
                    return true;
                });
            } catch (IOException e) {
                throw new CorralCommand.Failure("the running server did not answer on its admin socket: " + e.getMessage());
            } finally {
                shown.finishBar();
            }
            checked(r);
            if (error[0] != null) {
                throw new CorralCommand.Failure("pull of " + parsed.shortest() + " failed: " + error[0]);
            }
            if (!"success".equals(r.body().path("status").asText())) {
                throw new CorralCommand.Failure("pull of " + parsed.shortest() + " ended before Ollama reported success");
            }
            String digest = null;
            for (JsonNode m : call("GET", BASE, null).path("models")) {
                if (ModelName.parse(m.path("name").asText()).full().equalsIgnoreCase(parsed.full())) {
                    digest = m.path("digest").asText(null);
                }
            }
            err().println("Pulled " + parsed.shortest() + (digest == null ? "." : " (digest " + digest + ")."));
            err().flush();
            return CorralCommand.OK;
        }
    }

    @Command(name = "rm", description = "Delete a model and its files from Ollama (asks first unless --yes).")
    static final class Remove extends Base {
        @Parameters(paramLabel = "NAME", description = "The model to delete.")
        String name;

        @Option(names = {"--yes", "-y"}, description = "Do not ask for confirmation.")
        boolean yes;

        @Override
        public Integer call() {
            ModelName parsed = valid(() -> ModelName.forPull(name));
            if (!yes) {
                java.io.Console console = System.console();
                if (console == null) {
                    throw new CorralCommand.UsageError("no terminal to ask on: confirm deleting " + parsed.shortest() + " with --yes");
                }
                String answer = console.readLine("Delete %s and its files from Ollama? [y/N] ", parsed.shortest());
                if (answer == null || !answer.strip().toLowerCase(java.util.Locale.ROOT).matches("y|yes")) {
                    err().println("Nothing deleted.");
                    return CorralCommand.FAILURE;
                }
            }
            JsonNode r = call("DELETE", modelPath(name, parsed), null);
            err().println("Deleted " + r.path("model").asText(parsed.shortest()) + ".");
            return CorralCommand.OK;
        }
    }

    @Command(name = "cp", description = "Copy a model to a new name (the same files, a second name).")
    static final class Copy extends Base {
        @Parameters(index = "0", paramLabel = "SOURCE", description = "The model to copy.")
        String source;

        @Parameters(index = "1", paramLabel = "DESTINATION", description = "The new name, e.g. team/llama:prod.")
        String destination;

        @Override
        public Integer call() {
            call("POST", BASE + "/copy", JSON.createObjectNode().put("source", source).put("destination", destination));
            err().println("Copied " + source + " to " + destination + ".");
            return CorralCommand.OK;
        }
    }

    @Command(name = "pin", description = {"Pin a model to the manifest digest Ollama has for it now: if it ever differs"
            + " (a re-pull of a changed tag), inference on it is refused until it is pinned again."})
    static final class Pin extends Base {
        @Parameters(index = "0", paramLabel = "NAME", description = "The model, e.g. llama3.2:3b.")
        String name;

        @picocli.CommandLine.Option(names = "--digest", paramLabel = "SHA256",
                description = "Pin only if Ollama has this digest (from a trusted source).")
        String digest;

        @Override
        public Integer call() {
            var body = JSON.createObjectNode().put("model", name);
            if (digest != null) {
                body.put("digest", digest);
            }
            JsonNode r = call("POST", BASE + "/pin", body);
            out().println(r.path("model").asText() + " pinned to " + r.path("digest").asText());
            return CorralCommand.OK;
        }
    }

    static void format(String format) {
        if (!format.equals("table") && !format.equals("json")) {
            throw new CorralCommand.UsageError("--format must be table or json");
        }
    }

    static ModelName valid(java.util.function.Supplier<ModelName> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new CorralCommand.UsageError(e.getMessage());
        }
    }

    /**
     * The model's path under /admin/v1/models/: its segments as they are, anything else
     * percent-encoded. A name with a scheme ("https://host/ns/m") goes by its shortest form.
     */
    static String modelPath(String raw, ModelName parsed) {
        String name = raw.contains("://") ? parsed.shortest() : raw.strip();
        StringBuilder b = new StringBuilder(BASE).append('/');
        for (byte c : name.getBytes(StandardCharsets.UTF_8)) {
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "._-:/".indexOf(c) >= 0) {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c & 0xff));
            }
        }
        return b.toString();
    }

    static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }
}
