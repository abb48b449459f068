package dev.corral.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.admin.KeyJson;
import dev.corral.access.ApiKey;
import dev.corral.store.KeyLimits;
import dev.corral.store.Scope;
import dev.corral.config.Units;
import dev.corral.access.ModelPatterns;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `corral keys`: create, list and revoke API keys. */
@Command(name = "keys", description = "Create, list and revoke API keys.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Update.class, KeysCommand.Rotate.class,
                KeysCommand.Revoke.class, AddSshCommand.class, ImportCaddyCommand.class})
final class KeysCommand {

    @Command(name = "create", description = {"Create a key and print it once.",
            "The key goes to standard output alone; everything else to standard error, so KEY=$(corral keys create ...) works."})
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOptions config;

        @Option(names = "--name", required = true, description = "Who or what the key is for (shown in lists and logs).")
        String name;

        @Mixin
        KeyGrantOptions grants;

        @Option(names = "--basic", paramLabel = "USER", description = {"Sign in with Basic auth as USER instead of a bearer key;",
            "the password is prompted for, or read from standard input's first line. Corral keeps only its bcrypt hash."})
        String basicUser;

        @Option(names = "--bcrypt-cost", defaultValue = "12", description = "bcrypt cost for --basic (4-31). Default: ${DEFAULT-VALUE}.")
        int bcryptCost;

        private picocli.CommandLine spec() {
            return this.spec.commandLine();
        }

        @Override
        public Integer call() {
            ObjectNode spec = grants.spec(name);
            if (basicUser != null) {
                return createBasic(spec);
            }
            try (KeyOps ops = KeyOps.open(config.load(Map.of()))) {
                ObjectNode r = ops.create(spec);
                PrintWriter err = this.spec.commandLine().getErr();
                err.printf("Created key %s for \"%s\" (scopes: %s; models: %s; expires: %s; limits: %s).%n", r.path("id").asText(),
                        r.path("name").asText(), join(r.path("scopes")), r.path("models").isEmpty() ? "all" : join(r.path("models")),
                        r.path("expires_at").isNull() ? "never" : r.path("expires_at").asText(), describe(r.path("limits")));
                err.println(ops.live() ? "The running server accepts it now." : "No server is running on this state directory;"
                        + " one started later will accept it.");
                err.println("This is the only time the key is shown; Corral keeps only its HMAC. Store it now:");
                err.flush();
                spec().getOut().println(r.path("key").asText());
                spec().getOut().flush();
            }
            return CorralCommand.OK;
        }

        /** A key Basic user USER signs in as: the password hashed here, so only its bcrypt hash leaves this process. */
        private Integer createBasic(ObjectNode body) {
            PrintWriter err = spec().getErr();
            body.putObject("basic_user").put("user", basicUser).put("bcrypt", BasicPassword.hashOfInput(basicUser, bcryptCost));
            try (KeyOps ops = KeyOps.open(config.load(Map.of()))) {
                ObjectNode r = ops.create(body);
                err.printf("Created key %s for \"%s\", signed in by Basic user %s (scopes: %s; models: %s; limits: %s).%n",
                        r.path("id").asText(), r.path("name").asText(), basicUser, join(r.path("scopes")),
                        r.path("models").isEmpty() ? "all" : join(r.path("models")), describe(r.path("limits")));
                err.println("Basic credentials are accepted only over TLS or from loopback.");
                err.flush();
                spec().getOut().println(r.path("id").asText());
                spec().getOut().flush();
            }
            return CorralCommand.OK;
        }
    }

    @Command(name = "list", description = "List keys (ids, names, scopes, status; never secrets).")
    static final class ListKeys implements Callable<Integer> {
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
            try (KeyOps ops = KeyOps.open(config.load(Map.of()))) {
                ArrayNode keys = ops.list();
                PrintWriter out = spec.commandLine().getOut();
                if (format.equals("json")) {
                    out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(keys));
                } else if (keys.isEmpty()) {
                    spec.commandLine().getErr().println("No keys yet. Create one: corral keys create --name NAME");
                } else {
                    String fmt = "%-12s  %-20s  %-15s  %-24s  %-20s  %-20s  %-8s  %s%n";
                    out.printf(fmt, "ID", "NAME", "SCOPES", "MODELS", "CREATED", "EXPIRES", "STATUS", "LIMITS");
                    for (JsonNode k : keys) {
                        out.printf(fmt, k.path("id").asText(), clip(k.path("name").asText(), 20), join(k.path("scopes")),
                                clip(k.path("models").isEmpty() ? "*" : join(k.path("models")), 24), seconds(k.path("created_at")),
                                k.path("expires_at").isNull() ? "never" : seconds(k.path("expires_at")), k.path("status").asText(),
                                describe(k.path("limits")));
                    }
                }
                out.flush();
            }
            return CorralCommand.OK;
        }
    }

    @Command(name = "update", description = {"Change a key's limits; a running server applies them before the command returns.",
            "A value of 'default' goes back to the config's default; 0 means unlimited."})
    static final class Update implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOptions config;

        @Parameters(paramLabel = "ID", description = "The key's id (see corral keys list).")
        String id;

        @picocli.CommandLine.ArgGroup(exclusive = false, heading = "Limits%n")
        LimitOptions limits = new LimitOptions();

        @Override
        public Integer call() {
            String keyId = keyId(id);
            if (!limits.any()) {
                throw new CorralCommand.UsageError("nothing to update: give --rpm, --tpm, --daily-tokens, --monthly-tokens,"
                        + " --concurrency or --weight");
            }
            KeyLimits update = limits.parse(true);
            try (KeyOps ops = KeyOps.open(config.load(Map.of()))) {
                ObjectNode k = ops.update(keyId, limitsJson(update));
                spec.commandLine().getErr().println("Updated key " + keyId + " (\"" + k.path("name").asText() + "\"): limits "
                        + describe(k.path("limits")) + (ops.live() ? ". The running server applies them now." : "."));
            }
            return CorralCommand.OK;
        }
    }

    static String keyId(String given) {
        String keyId = given.startsWith(ApiKey.PREFIX) && ApiKey.idOf(given) != null ? ApiKey.idOf(given) : given;
        if (!ApiKey.isId(keyId)) {
            throw new CorralCommand.UsageError("'" + given + "' is not a key id (12 lower-case letters and digits; see corral keys list)");
        }
        return keyId;
    }

    @Command(name = "revoke", description = "Revoke a key; a running server refuses it before the command returns.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOptions config;

        @Parameters(paramLabel = "ID", description = "The key's id (see corral keys list).")
        String id;

        @Override
        public Integer call() {
            String keyId = keyId(id);
            try (KeyOps ops = KeyOps.open(config.load(Map.of()))) {
                ObjectNode k = ops.revoke(keyId);
                if (k.path("already_revoked").asBoolean()) {
                    spec.commandLine().getErr().println("Key " + keyId + " was already revoked.");
                    return CorralCommand.OK;
                }
                spec.commandLine().getErr().println("Revoked key " + keyId + " (\"" + k.path("name").asText() + "\")."
                        + (ops.live() ? " The running server refuses it from now on." : ""));
            }
            return CorralCommand.OK;
        }
    }

    @Command(name = "rotate", description = {"Give a key a new secret, printed once; the old secret keeps working for the grace period.",
            "The new key goes to standard output alone, so NEW=$(corral keys rotate ID) works."})
    static final class Rotate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOptions config;

        @Parameters(paramLabel = "ID", description = "The key's id (see corral keys list).")
        String id;

        @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "24h",
                description = "How long the old secret keeps working, e.g. 24h, 7d, 0s (stops at once). Default: ${DEFAULT-VALUE}.")
        String grace;

        @Override
        public Integer call() {
            String keyId = keyId(id);
            try (KeyOps ops = KeyOps.open(config.load(Map.of()))) {
                ObjectNode k = ops.rotate(keyId, grace);
                PrintWriter err = spec.commandLine().getErr();
                err.println("Rotated key " + keyId + " (\"" + k.path("name").asText() + "\"): the old secret works "
                        + (k.path("previous_secret_until").isNull() ? "no longer" : "until " + k.path("previous_secret_until").asText())
                        + ". This is the only time the new key is shown:");
                err.flush();
                spec.commandLine().getOut().println(k.path("key").asText());
                spec.commandLine().getOut().flush();
            }
            return CorralCommand.OK;
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();

    /** The admin API's key spec from the options `create` and `add-ssh` share; a bad value is a usage error. */
    static ObjectNode specOf(String name, List<String> scopes, String models, String expires, LimitOptions limits) {
        KeyLimits keyLimits = limits.parse(false);
        Set<Scope> parsed = EnumSet.noneOf(Scope.class);
        List<String> patterns;
        Instant expiresAt = null;
        try {
            for (String s : scopes) {
                parsed.add(Scope.parse(s));
            }
            patterns = models == null ? List.of() : ModelPatterns.parse(models);
        } catch (IllegalArgumentException e) {
            throw new CorralCommand.UsageError(e.getMessage());
        }
        if (expires != null) {
            try {
                expiresAt = Instant.now().plus(Units.duration(expires)).truncatedTo(ChronoUnit.SECONDS);
            } catch (IllegalArgumentException e) {
                throw new CorralCommand.UsageError("--expires: " + e.getMessage());
            }
        }
        ObjectNode spec = JSON.createObjectNode().put("name", name);
        ArrayNode sc = spec.putArray("scopes");
        parsed.stream().map(Scope::id).sorted().forEach(sc::add);
        ArrayNode mo = spec.putArray("models");
        patterns.forEach(mo::add);
        if (expiresAt != null) {
            spec.put("expires_at", expiresAt.toString());
        }
        spec.set("limits", limitsJson(keyLimits));
        return spec;
    }

    static String join(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return String.join(",", out);
    }

    static String seconds(JsonNode instant) {
        return Instant.parse(instant.asText()).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Limits as JSON for the admin API: set fields only; -1 ("default") becomes null. */
    static ObjectNode limitsJson(KeyLimits l) {
        ObjectNode o = JSON.createObjectNode();
        Object[][] fields = {{"rpm", l.rpm()}, {"tpm", l.tpm()}, {"daily_tokens", l.dailyTokens()},
            {"monthly_tokens", l.monthlyTokens()}, {"concurrency", l.concurrency()}, {"weight", l.weight()}};
        for (Object[] f : fields) {
            if (f[1] != null) {
                long v = ((Number) f[1]).longValue();
                if (v < 0) {
                    o.putNull((String) f[0]);
                } else {
                    o.put((String) f[0], v);
                }
            }
        }
        return o;
    }

    /** "rpm=60 tpm=unlimited", or "defaults", from the admin API's limits object. */
    static String describe(JsonNode limits) {
        return KeyLimits.DEFAULTS.with(KeyJson.limits(limits, true)).describe();
    }

    static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
