package dev.corral.cli;

import dev.corral.config.ConfigException;
import dev.corral.store.StoreException;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The command tree, declared in one place. Exit codes are a contract: 0 ok, 1 failure, 2 usage
 * error. Users see one sentence, never a stack trace, unless they pass --verbose.
 *
 * <p>{@code scope = INHERIT} hands --help/-h and --version/-V down to every subcommand, at every
 * depth, so a command added later answers --help without anyone remembering to ask for it.
 */
@Command(name = "corral", scope = CommandLine.ScopeType.INHERIT, mixinStandardHelpOptions = true,
        versionProvider = CorralCommand.Version.class,
        description = "A secure gateway in front of Ollama: keys, route and model policy, usage accounting.")
public final class CorralCommand {
    /**
     * The subcommands, in the order help lists them. They are added in {@link #commandLine}: picocli
     * reads every command's annotations by reflection when it is added, which for the whole tree was
     * half of the CPU {@code corral serve} spent before it listened, so a run of one command adds
     * that command alone (help, a typo or no command get the whole tree).
     */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(ServeCommand.class, KeysCommand.class,
            SimulateCommand.class, DemoCommand.class, UsageCommand.class, StatusCommand.class, ModelsCommand.class,
            DoctorCommand.class, HardenCommand.class, TlsCommand.class, AuditCommand.class, StoreCommand.class,
            CommandLine.HelpCommand.class);

    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    /** The environment the commands read CORRAL_* variables from; tests hand in their own. */
    private final Map<String, String> env;

    private CorralCommand(Map<String, String> env) {
        this.env = env;
    }

    public static int execute(String... args) {
        return commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true), System.getenv(),
                args.length == 0 ? null : args[0]).execute(args);
    }

    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(out, err, System.getenv());
    }

    /** The command tree reading its CORRAL_* variables from {@code env} instead of the process environment. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, Map<String, String> env) {
        return commandLine(out, err, env, null);
    }

    /** The tree with only the subcommand named {@code first} when that names one; with all of them otherwise. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, Map<String, String> env, String first) {
        CommandLine cl = new CommandLine(new CorralCommand(Map.copyOf(env)));
        Class<?> only = SUBCOMMANDS.stream()
                .filter(c -> c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(first))
                .findFirst().orElse(null);
        for (Class<?> c : SUBCOMMANDS) {
            if (only == null || c == only) {
                cl.addSubcommand(c);
            }
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? USAGE : FAILURE);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("corral: " + ex.getMessage());
            c.getErr().println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            boolean verbose = parsed.originalArgs().contains("--verbose");
            if (ex instanceof UsageError) {
                c.getErr().println("corral: " + ex.getMessage());
                return USAGE;
            }
            String msg = ex instanceof ConfigException || ex instanceof StoreException || ex instanceof Failure
                    ? ex.getMessage() : ex.toString();
            c.getErr().println("corral: " + msg);
            if (verbose) {
                ex.printStackTrace(c.getErr());
            }
            return FAILURE;
        });
        return cl;
    }

    /** The environment of the command tree {@code spec} belongs to. */
    static Map<String, String> environment(CommandSpec spec) {
        return ((CorralCommand) spec.root().userObject()).env;
    }

    /** Parses a HOST:PORT flag; a bad one is a usage error naming the flag. */
    static dev.corral.config.HostPort address(String flag, String value) {
        try {
            return dev.corral.config.HostPort.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UsageError(flag + ": " + e.getMessage());
        }
    }

    /** A failure to report as one sentence (exit 1). */
    public static final class Failure extends RuntimeException {
        public Failure(String message) {
            super(message);
        }
    }

    /** A wrong use of a command that picocli could not see (exit 2). */
    public static final class UsageError extends RuntimeException {
        public UsageError(String message) {
            super(message);
        }
    }

    /** The Maven project version, written into version.properties at build time (also in target/classes). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"corral " + version()};
        }

        static String version() {
            try (java.io.InputStream in = CorralCommand.class.getResourceAsStream("/dev/corral/version.properties")) {
                if (in != null) {
                    java.util.Properties p = new java.util.Properties();
                    p.load(in);
                    String v = p.getProperty("version", "");
                    if (!v.isBlank() && !v.contains("${")) {
                        return v.trim();
                    }
                }
            } catch (java.io.IOException e) {
                // fall through: an unreadable resource is reported as an unknown version, not a crash
            }
            return "(version unknown: built without Maven resource filtering)";
        }
    }
}
