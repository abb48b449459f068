package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.access.SshPublicKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * `corral keys add-ssh`: keys the {@code ollama} CLI signs in as (OLLAMA_AUTH=1), from its public
 * key ({@code ~/.ollama/id_ed25519.pub}) or from an authorized_keys-style file: with --name, every
 * key in the file signs in as one new key of that name; without, each line becomes its own key,
 * named by the line's comment.
 */
@Command(name = "add-ssh", description = {"Register ollama CLI public keys (ssh-ed25519): requests they sign go through as a key.",
        "FILE is ~/.ollama/id_ed25519.pub, or an authorized_keys-style file ('-' for standard input).",
        "With --name all its keys sign in as one new key; without, each line is its own key, named by its comment."})
final class AddSshCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Parameters(paramLabel = "FILE", description = "The public key file (one 'ssh-ed25519 AAAA... comment' per line).")
    String file;

    @Option(names = "--name", description = "The key's name; default: each line's comment.")
    String name;

    @Mixin
    KeyGrantOptions grants;

    @Override
    public Integer call() {
        Map<String, List<String>> byName = new LinkedHashMap<>();
        List<String> lines = read();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            SshPublicKey k;
            try {
                k = SshPublicKey.parseLine(line);
            } catch (IllegalArgumentException e) {
                throw new CorralCommand.UsageError(file + ", line " + (i + 1) + ": " + e.getMessage());
            }
            String n = name != null ? name : k.comment();
            if (n.isEmpty()) {
                throw new CorralCommand.UsageError(file + ", line " + (i + 1) + ": the key has no comment to name it by;"
                        + " give --name NAME");
            }
            byName.computeIfAbsent(n, x -> new ArrayList<>()).add(k.line());
        }
        if (byName.isEmpty()) {
            throw new CorralCommand.UsageError(file + ": no 'ssh-ed25519 AAAA...' line in it");
        }
        PrintWriter err = spec.commandLine().getErr();
        try (KeyOps ops = KeyOps.open(config.load(Map.of()))) {
            for (Map.Entry<String, List<String>> e : byName.entrySet()) {
                ObjectNode body = grants.spec(e.getKey());
                ArrayNode ssh = body.putArray("ssh_keys");
                e.getValue().forEach(ssh::add);
                ObjectNode r = ops.create(body);
                List<String> prints = new ArrayList<>();
                for (JsonNode s : r.path("ssh_keys")) {
                    prints.add(s.path("fingerprint").asText());
                }
                err.printf("Created key %s for \"%s\", signed in by %s (scopes: %s; models: %s; expires: %s; limits: %s).%n",
                        r.path("id").asText(), r.path("name").asText(), String.join(", ", prints), KeysCommand.join(r.path("scopes")),
                        r.path("models").isEmpty() ? "all" : KeysCommand.join(r.path("models")),
                        r.path("expires_at").isNull() ? "never" : r.path("expires_at").asText(),
                        KeysCommand.describe(r.path("limits")));
                spec.commandLine().getOut().println(r.path("id").asText());
            }
            err.println(ops.live() ? "The running server accepts their signatures now." : "No server is running on this"
                    + " state directory; one started later will accept them.");
            err.println("Clients sign with OLLAMA_AUTH=1 over https:// (or from this machine): signatures over plain HTTP"
                    + " from elsewhere are refused.");
            err.flush();
            spec.commandLine().getOut().flush();
        }
        return CorralCommand.OK;
    }

    private List<String> read() {
        try {
            if (file.equals("-")) {
                return new String(System.in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            }
            return Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CorralCommand.Failure(file + ": cannot read it: " + e.getMessage());
        }
    }
}
