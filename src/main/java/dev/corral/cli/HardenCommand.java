package dev.corral.cli;

import dev.corral.config.HostPort;
import dev.corral.harden.CorralUnit;
import dev.corral.harden.OllamaDropIn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `corral harden`: writes the files that fix what `corral doctor` found. Printed by default; --write installs. */
@Command(name = "harden", description = "Print (or --write) hardened systemd files for Ollama and for Corral.",
        subcommands = {HardenCommand.Ollama.class, HardenCommand.Corral.class})
final class HardenCommand {

    @Command(name = "ollama", description = {"A drop-in for ollama.service: sandboxing, resource limits, GPU device",
            "allow-list (--gpu) or no devices (--cpu), loopback bind, OLLAMA_NO_CLOUD=1."})
    static final class Ollama implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        static final class Kind {
            @Option(names = "--gpu", description = "Keep NVIDIA/AMD GPUs usable (default when /dev/nvidiactl or /dev/kfd exists).")
            boolean gpu;

            @Option(names = "--cpu", description = "No devices at all (CPU-only inference).")
            boolean cpu;
        }

        @ArgGroup(exclusive = true)
        Kind kind;

        @Option(names = "--memory-max", defaultValue = "90%", description = "MemoryMax, e.g. 48G or 90% (default ${DEFAULT-VALUE}).")
        String memoryMax;

        @Option(names = "--bind", defaultValue = "127.0.0.1:11434", description = "OLLAMA_HOST (default ${DEFAULT-VALUE}).")
        String bind;

        @Option(names = "--models-dir", paramLabel = "DIR", description = "A model store outside /usr/share/ollama.")
        String modelsDir;

        @Option(names = "--write", description = "Install it as ollama.service.d/override.conf.")
        boolean write;

        @Option(names = "--unit-dir", defaultValue = "/etc/systemd/system", description = "Where units live (default ${DEFAULT-VALUE}).")
        Path unitDir;

        @Override
        public Integer call() throws IOException {
            HostPort hp = CorralCommand.address("--bind", bind);
            if (!memoryMax.matches("\\d+(\\.\\d+)?[KMGT]?|\\d{1,3}%|infinity")) {
                throw new CorralCommand.UsageError("--memory-max must be like 48G, 512M or 90%");
            }
            if (modelsDir != null && !modelsDir.startsWith("/")) {
                throw new CorralCommand.UsageError("--models-dir must be an absolute path");
            }
            boolean gpu = kind == null ? gpuPresent() : kind.gpu;
            String text = OllamaDropIn.render(gpu, memoryMax, hp, modelsDir);
            if (!hp.isLoopback()) {
                spec.commandLine().getErr().println("warning: --bind " + hp + " is not loopback: anything that reaches it"
                        + " bypasses Corral");
            }
            return emit(spec, text, write, unitDir.resolve("ollama.service.d").resolve("override.conf"),
                    "systemctl daemon-reload && systemctl restart ollama",
                    kind == null ? (gpu ? "GPU devices found: --gpu variant" : "no GPU devices found: --cpu variant") : null);
        }

        private static boolean gpuPresent() {
            return Files.exists(Path.of("/dev/nvidiactl")) || Files.exists(Path.of("/dev/kfd"));
        }
    }

    @Command(name = "corral", description = {"A hardened unit for Corral itself (the system user corral, state directory,",
            "no capabilities); with no options, the unit the Debian package installs."})
    static final class Corral implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--exec", defaultValue = CorralUnit.PACKAGED_EXEC,
                description = {"How to start Corral (default ${DEFAULT-VALUE}, the Debian package's command;",
                        "e.g. '/usr/bin/java -jar /opt/corral/corral.jar')."})
        String exec;

        @Option(names = "--config", defaultValue = "/etc/corral/corral.yaml", description = "Its config file (default ${DEFAULT-VALUE}).")
        String config;

        @Option(names = "--memory-max", defaultValue = "2G", description = "MemoryMax (default ${DEFAULT-VALUE}).")
        String memoryMax;

        @Option(names = "--write", description = "Install it as corral.service.")
        boolean write;

        @Option(names = "--unit-dir", defaultValue = "/etc/systemd/system", description = "Where units live (default ${DEFAULT-VALUE}).")
        Path unitDir;

        @Override
        public Integer call() throws IOException {
            if (!exec.startsWith("/")) {
                throw new CorralCommand.UsageError("--exec must start with an absolute path (systemd requires it)");
            }
            if (!memoryMax.matches("\\d+(\\.\\d+)?[KMGT]?|\\d{1,3}%")) {
                throw new CorralCommand.UsageError("--memory-max must be like 2G or 512M");
            }
            return emit(spec, CorralUnit.render(exec, config, memoryMax), write, unitDir.resolve("corral.service"),
                    "systemctl daemon-reload && systemctl enable --now corral (the unit runs as the system user corral:"
                            + " getent passwd corral || adduser --system --group --home /var/lib/corral --no-create-home"
                            + " --shell /usr/sbin/nologin corral)", null);
        }
    }

    static int emit(CommandSpec spec, String text, boolean write, Path target, String next, String note) throws IOException {
        if (note != null) {
            spec.commandLine().getErr().println("note: " + note);
        }
        if (!write) {
            spec.commandLine().getOut().print(text);
            spec.commandLine().getOut().flush();
            spec.commandLine().getErr().println("(printed only; --write installs it as " + target + ")");
            return CorralCommand.OK;
        }
        try {
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CorralCommand.Failure("cannot write " + target + ": " + e.getMessage() + " (run as root, or --unit-dir)");
        }
        spec.commandLine().getErr().println("Wrote " + target + ". Now run: " + next);
        return CorralCommand.OK;
    }
}
