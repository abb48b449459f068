package dev.corral.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.corral.audit.AuditEntry;
import dev.corral.audit.AuditLog;
import dev.corral.audit.AuditReader;
import dev.corral.audit.AuditVerifier;
import dev.corral.config.Units;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `corral audit`: verify the audit log's hash chain, and list its entries. */
@Command(name = "audit", mixinStandardHelpOptions = true, versionProvider = CorralCommand.Version.class,
        description = "Verify and read the audit log (audit.log in the state directory).",
        subcommands = {AuditCommand.Verify.class, AuditCommand.ListEntries.class})
final class AuditCommand {

    /** Where the log is: --file, else audit.log in the state directory the config names. */
    static Path logFile(ConfigOptions config, Path file) {
        Path f = file != null ? file : config.load(Map.of()).stateDir().resolve(AuditLog.FILE_NAME);
        if (!Files.isRegularFile(f)) {
            throw new CorralCommand.Failure(f + ": no audit log here (a server writes one in its state_dir when it"
                    + " starts; use --file, --state-dir or --config to point at another)");
        }
        return f;
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = CorralCommand.Version.class,
            description = {"Recompute the audit log's hash chain and name the first entry that was edited, deleted,"
                    + " inserted or moved.",
                "Truncation is found only with --head: the head hash the server logged at its last start or stop.",
                "Exit codes: 0 intact, 1 tampered or unreadable (one sentence naming the entry), 2 usage."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOptions config;

        @Option(names = "--head", paramLabel = "HASH", description = "The head hash the server published; the log must end"
                + " at it or contain it.")
        String head;

        @Option(names = "--file", paramLabel = "PATH",
                description = "The log to verify (default: audit.log in the state directory).")
        Path file;

        @Option(names = "--shared", description = "Verify the chain every instance writes in the configured PostgreSQL store"
                + " (store: in the config) instead of this instance's audit.log.")
        boolean shared;

        /** A verified chain and how messages name it. */
        private record Checked(String where, AuditVerifier.Result result) {}

        /** Verifies the shared chain in the configured store. */
        private Checked sharedChain() {
            dev.corral.config.Settings s = config.load(Map.of());
            if (s.store().postgres() == null) {
                throw new CorralCommand.UsageError("--shared: the configured store is SQLite, which has no shared chain; give"
                        + " the config whose store: is postgres://... (--config)");
            }
            try (dev.corral.store.Store st = dev.corral.store.Stores.open(s.store(),
                    dev.corral.store.StateDir.open(s.stateDir()), 0, CorralCommand.environment(spec));
                 dev.corral.store.AuditRows rows = st.sharedAudit().orElseThrow()) {
                return new Checked(s.store().postgres().display() + " (shared audit chain)",
                        dev.corral.audit.SharedAuditChain.verify(rows, head, s.stateDir()));
            } catch (IOException e) {
                throw new CorralCommand.Failure(s.stateDir() + ": cannot write the temporary copy of the chain: " + e.getMessage());
            }
        }

        @Override
        public Integer call() {
            if (head != null && !head.matches("[0-9a-fA-F]{64}")) {
                throw new CorralCommand.UsageError("--head must be the 64 hex digits of a SHA-256 hash, as the server logs it");
            }
            String where;
            AuditVerifier.Result r;
            if (shared) {
                Checked c = sharedChain();
                where = c.where();
                r = c.result();
            } else {
                Path f = logFile(config, file);
                where = f.toString();
                try {
                    r = AuditVerifier.verify(f, head);
                } catch (IOException e) {
                    throw new CorralCommand.Failure(f + ": cannot read the audit log: " + e.getMessage());
                }
            }
            if (!r.ok()) {
                // The sentence names the place as the file would be named: the log, or the store's chain.
                String sentence = r.problem().sentence(Path.of("@")).substring(1);
                spec.commandLine().getErr().println("corral: " + where + sentence);
                return CorralCommand.FAILURE;
            }
            PrintWriter out = spec.commandLine().getOut();
            String summary = where + ": " + r.entries() + (r.entries() == 1 ? " entry" : " entries") + ", chain intact, head "
                    + r.last() + ".";
            if (r.headSeq() != null) {
                long after = r.last().seq() - r.headSeq();
                summary += after == 0 ? " It ends at the given head."
                        : " The given head is seq " + r.headSeq() + "; " + after + (after == 1 ? " entry was" : " entries were")
                                + " recorded after it.";
            }
            out.println(summary);
            out.flush();
            return CorralCommand.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = CorralCommand.Version.class,
            description = "List audit entries, oldest first, filtered by time, actor and action.")
    static final class ListEntries implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOptions config;

        @Option(names = "--since", paramLabel = "TIME", description = "From this time on: 2025-06-01, 2025-06-01T12:00:00Z, or a"
                + " span back from now such as 24h or 7d.")
        String since;

        @Option(names = "--until", paramLabel = "TIME", description = "Before this time (same forms as --since).")
        String until;

        @Option(names = "--actor", paramLabel = "ACTOR", description = "Only this actor, e.g. system, uid:1000, key:ID.")
        String actor;

        @Option(names = "--action", paramLabel = "ACTION",
                description = "Only this action, e.g. key.revoke; key.* for all key actions.")
        String action;

        @Option(names = "--format", defaultValue = "table", description = "table or json (default ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--file", paramLabel = "PATH",
                description = "The log to read (default: audit.log in the state directory).")
        Path file;

        @Override
        public Integer call() throws Exception {
            if (!format.equals("table") && !format.equals("json")) {
                throw new CorralCommand.UsageError("--format must be table or json");
            }
            Instant now = Instant.now();
            Instant from = since == null ? null : time("--since", since, now);
            Instant to = until == null ? null : time("--until", until, now);
            Path f = logFile(config, file);
            PrintWriter err = spec.commandLine().getErr();
            List<AuditEntry> shown = new ArrayList<>();
            List<Long> unreadable = new ArrayList<>();
            AuditReader.read(f, new AuditReader.Visitor() {
                @Override
                public void entry(long line, AuditEntry e) {
                    Instant t = e.instant();
                    if ((from == null || !t.isBefore(from)) && (to == null || t.isBefore(to))
                            && (actor == null || actor.equals(e.actor())) && matches(action, e.action())) {
                        shown.add(e);
                    }
                }

                @Override
                public void unreadable(long line, String why) {
                    unreadable.add(line);
                }
            });
            PrintWriter out = spec.commandLine().getOut();
            ObjectMapper json = new ObjectMapper();
            if (format.equals("json")) {
                ArrayNode arr = json.createArrayNode();
                for (AuditEntry e : shown) {
                    arr.add(json.readTree(e.line()));
                }
                out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(arr));
            } else {
                String fmt = "%6s  %-24s  %-14s  %-16s  %-16s  %s%n";
                out.printf(fmt, "SEQ", "TIME", "ACTOR", "ACTION", "TARGET", "DETAILS");
                for (AuditEntry e : shown) {
                    out.printf(fmt, e.seq(), e.time(), e.actor(), e.action(), e.target() == null ? "-" : e.target(),
                            json.writeValueAsString(e.details()));
                }
                if (shown.isEmpty()) {
                    err.println("No audit entries match.");
                }
            }
            out.flush();
            if (!unreadable.isEmpty()) {
                err.println("corral: " + unreadable.size() + " line(s) of " + f + " are not audit entries (first: line "
                        + unreadable.get(0) + "); run 'corral audit verify' to check the chain.");
            }
            return CorralCommand.OK;
        }

        /** "key.revoke" matches itself only; "key.*" (or "key.") matches every key action; "*" everything. */
        static boolean matches(String pattern, String action) {
            return dev.corral.audit.Actions.matches(pattern, action);
        }
    }

    /** An instant, a date (UTC midnight), a date-time with an offset, or a span back from {@code now}. */
    static Instant time(String flag, String value, Instant now) {
        String v = value.trim();
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException ignored) {
            // not an instant; try the other forms
        }
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException ignored) {
            // not a date-time with an offset
        }
        try {
            return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException ignored) {
            // not a date
        }
        try {
            return now.minus(Units.duration(v));
        } catch (IllegalArgumentException e) {
            throw new CorralCommand.UsageError(flag + ": '" + value + "' is not a time (examples: 2025-06-01,"
                    + " 2025-06-01T12:00:00Z, 24h, 7d)");
        }
    }
}
