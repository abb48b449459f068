package dev.corral.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * `corral keys import-caddy`: every user of a Caddyfile's basic_auth blocks becomes a key of the same
 * name that signs in with Basic and the user's existing password (its bcrypt hash is kept as it is).
 * A user that already signs in as a key is skipped and said so, so the import can be run again.
 */
@Command(name = "import-caddy", description = {"Import the basic_auth users of a Caddyfile (bcrypt hashes, any cost) as keys.",
        "Each user becomes a key of that name; their passwords keep working, with Basic auth over TLS or loopback."})
final class ImportCaddyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Parameters(paramLabel = "CADDYFILE", description = "The Caddyfile whose basic_auth blocks to read.")
    String file;

    @Mixin
    KeyGrantOptions grants;

    @Override
    public Integer call() {
        String text;
        try {
            text = Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new CorralCommand.Failure(file + ": cannot read it: " + e.getMessage());
        }
        List<CaddyBasicAuth.User> users;
        try {
            users = CaddyBasicAuth.users(text, file);
        } catch (IllegalArgumentException e) {
            throw new CorralCommand.UsageError(e.getMessage());
        }
        if (users.isEmpty()) {
            throw new CorralCommand.UsageError(file + ": no basic_auth block with users in it");
        }
        PrintWriter err = spec.commandLine().getErr();
        int created = 0;
        try (KeyOps ops = KeyOps.open(config.load(Map.of()))) {
            for (CaddyBasicAuth.User u : users) {
                ObjectNode body = grants.spec(u.name());
                body.putObject("basic_user").put("user", u.name()).put("bcrypt", u.bcrypt());
                ObjectNode r;
                try {
                    r = ops.create(body);
                } catch (CorralCommand.UsageError e) {
                    if (e.getMessage() != null && e.getMessage().contains("already signs in as key")) {
                        err.println("Skipped " + u.name() + ": " + e.getMessage());
                        continue;
                    }
                    throw e;
                }
                created++;
                err.printf("Created key %s for Basic user \"%s\" (line %d; limits: %s).%n", r.path("id").asText(), u.name(),
                        u.line(), KeysCommand.describe(r.path("limits")));
                spec.commandLine().getOut().println(r.path("id").asText());
            }
            err.println(created + " of " + users.size() + " users imported. " + (ops.live() ? "The running server accepts them now."
                    : "No server is running on this state directory; one started later will accept them."));
            err.println("Basic credentials are accepted only over TLS or from loopback.");
            err.flush();
            spec.commandLine().getOut().flush();
        }
        return CorralCommand.OK;
    }
}
