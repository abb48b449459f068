package dev.corral.cli;

import dev.corral.access.KeyHasher;
import dev.corral.audit.AuditLog;
import dev.corral.audit.SharedAuditChain;
import dev.corral.store.AuditRows;
import dev.corral.config.ConfigLoader;
import dev.corral.config.Settings;
import dev.corral.store.SqliteStore;
import dev.corral.store.StateDir;
import dev.corral.store.Store;
import dev.corral.store.StoreCopy;
import dev.corral.store.Stores;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `corral store`: apply schema migrations, and copy a SQLite state directory's store into PostgreSQL. */
@Command(name = "store", mixinStandardHelpOptions = true, versionProvider = CorralCommand.Version.class,
        description = "Migrate the store's schema, or copy a SQLite store into PostgreSQL.",
        subcommands = {StoreCommand.Migrate.class, StoreCommand.Copy.class})
final class StoreCommand {

    @Command(name = "migrate", mixinStandardHelpOptions = true, versionProvider = CorralCommand.Version.class,
            description = {"Apply every pending schema migration to the configured store (store: in the config; SQLite in"
                    + " the state directory by default) and say what was done.",
                "Servers migrate on start too; run this to do it ahead of a rolling upgrade, or to check a database.",
                "The PostgreSQL password comes from store_password_file or CORRAL_STORE_PASSWORD."})
    static final class Migrate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() {
            Settings s = config.load(Map.of());
            String did = Stores.migrate(s.store(), StateDir.open(s.stateDir()), CorralCommand.environment(spec));
            spec.commandLine().getOut().println(did);
            return 0;
        }
    }

    @Command(name = "copy", mixinStandardHelpOptions = true, versionProvider = CorralCommand.Version.class,
            description = {"Copy keys, credentials, usage and the audit log from a SQLite state directory into an empty"
                    + " PostgreSQL database (creating its schema); the audit log becomes the start of the shared audit chain."
                    + " The source is only read.",
                "Stop the servers using the source first, so no usage is written after the copy.",
                "Then give every instance store: <the same URL> and a copy of the source's server.secret in its state_dir:"
                    + " keys are checked against HMACs made with it."})
    static final class Copy implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--from", required = true, paramLabel = "DIR", description = "The SQLite state directory to copy from.")
        Path from;

        @Option(names = "--to", required = true, paramLabel = "URL",
                description = "postgres://user@host:port/db?sslmode=verify-full&sslrootcert=... (no password in it).")
        String to;

        @Option(names = "--password-file", paramLabel = "FILE",
                description = "The PostgreSQL password (first line); default: $CORRAL_STORE_PASSWORD.")
        String passwordFile;

        @Override
        public Integer call() {
            if (!Files.isRegularFile(from.resolve(StateDir.DATABASE_FILE))) {
                throw new CorralCommand.Failure(from + ": no " + StateDir.DATABASE_FILE + " here; --from takes the state"
                        + " directory of the SQLite store to copy");
            }
            Map<String, String> env = CorralCommand.environment(spec);
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("store", to);
            if (passwordFile != null) {
                fields.put("store_password_file", passwordFile);
            }
            Settings target = new ConfigLoader(env).namingFlags(Map.of("store", "--to", "store_password_file", "--password-file"))
                    .load(null, fields);
            if (target.store().postgres() == null) {
                throw new CorralCommand.UsageError("--to: give the postgres:// URL of the database to copy into");
            }
            StateDir source = StateDir.open(from);
            PrintWriter out = spec.commandLine().getOut();
            Path log = source.path().resolve(AuditLog.FILE_NAME);
            try (Store src = SqliteStore.open(source); Store dst = Stores.open(target.store(), source, 0, env);
                 AuditRows chain = dst.sharedAudit().orElseThrow()) {
                dst.checkServerSecret(new KeyHasher(source.serverSecret()).secretCheck()); // instances must bring this secret
                StoreCopy.Copied c = StoreCopy.copy(src, dst);
                long entries = Files.exists(log) ? SharedAuditChain.importLog(chain, log) : 0;
                out.println("copied " + c.keys() + " keys, " + c.credentials() + " credentials, " + c.usage()
                        + " usage records and " + entries + " audit entries from " + source.path() + " to "
                        + target.store().postgres().display());
            } catch (java.io.IOException e) {
                throw new CorralCommand.Failure(log + ": cannot read the audit log: " + e.getMessage());
            }
            out.println("next: copy " + source.path().resolve(StateDir.SECRET_FILE) + " into the state_dir of every instance,"
                    + " and set store: " + target.store().postgres().display() + " in their config");
            return 0;
        }
    }
}
