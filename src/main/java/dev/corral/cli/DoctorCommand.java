package dev.corral.cli;

import dev.corral.doctor.Doctor;
import dev.corral.doctor.DoctorOptions;
import dev.corral.doctor.Finding;
import dev.corral.doctor.GatewayTrust;
import dev.corral.doctor.Host;
import dev.corral.doctor.LocalHost;
import dev.corral.doctor.Report;
import dev.corral.doctor.Severity;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `corral doctor`: audits the host around Ollama and smoke-tests a gateway from outside. */
@Command(name = "doctor", description = {
        "Audit the host around Ollama (bind address, environment, systemd sandbox, GPU groups, model store,",
        "pinned version) and, with --gateway, a live gateway from outside.",
        "Exit codes: 0 nothing failed, 3 a check failed, 1 the doctor itself failed, 2 usage error."})
final class DoctorCommand implements Callable<Integer> {
    static final int CHECK_FAILED = 3;

    @Spec
    CommandSpec spec;

    /** The host the checks read; tests replace it with a fixture tree. */
    Host host = new LocalHost();

    @Option(names = "--format", defaultValue = "table", description = "table, json or junit (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--gateway", paramLabel = "URL", description = "Smoke-test this gateway from outside (any gateway: Corral, Caddy, nginx).")
    URI gateway;

    @Option(names = "--key", paramLabel = "KEY", description = "A valid key for --gateway (default: $CORRAL_DOCTOR_KEY).")
    String key;

    @Option(names = "--insecure", description = {"Do not verify the gateway's certificate or its host name (like curl -k).",
            "Prefer --cacert."})
    boolean insecure;

    @Option(names = "--cacert", paramLabel = "FILE", description = {"Trust only the CA certificates in this PEM file for",
            "--gateway (a private CA, e.g. ca.pem from `corral tls self-signed`)."})
    Path caCert;

    @Option(names = "--no-host", description = "Skip the host checks (when testing a gateway from another machine).")
    boolean noHost;

    @Option(names = "--unit", defaultValue = "ollama", description = "Ollama's systemd unit (default ${DEFAULT-VALUE}).")
    String unit;

    @Option(names = "--unit-file", paramLabel = "FILE", description = "Analyse this unit file offline instead of the live unit.")
    Path unitFile;

    @Option(names = "--models-dir", paramLabel = "DIR", description = "The model store (default: OLLAMA_MODELS, else /usr/share/ollama/.ollama/models).")
    Path modelsDir;

    @Option(names = "--store-owner", defaultValue = "ollama", description = "User that must own the model store (default ${DEFAULT-VALUE}).")
    String storeOwner;

    @Option(names = "--ollama-version", paramLabel = "VERSION", description = "The pinned Ollama version.")
    String ollamaVersion;

    @Option(names = "--ollama-sha256", paramLabel = "FILE", description = "sha256sum-format file the ollama binary must match.")
    Path ollamaSha256;

    @Option(names = "--ollama-binary", paramLabel = "PATH", description = "The ollama binary (default: ollama on PATH).")
    Path ollamaBinary;

    @Option(names = "--config", paramLabel = "FILE", description = "Also check this Corral config.")
    Path config;

    @Option(names = "--fix", description = "Apply the model-store ownership and permission fixes (prints each change).")
    boolean fix;

    @Option(names = "--verbose", description = "Show stack traces on errors.")
    boolean verbose;

    @Override
    public Integer call() {
        if (!List.of("table", "json", "junit").contains(format)) {
            throw new CorralCommand.UsageError("--format must be table, json or junit");
        }
        if (gateway != null && (gateway.getScheme() == null || !gateway.getScheme().matches("https?") || gateway.getHost() == null)) {
            throw new CorralCommand.UsageError("--gateway must be an http:// or https:// URL, e.g. https://gw.example.com");
        }
        if (caCert != null) {
            if (gateway == null) {
                throw new CorralCommand.UsageError("--cacert applies to --gateway: give --gateway https://...");
            }
            if (insecure) {
                throw new CorralCommand.UsageError("--cacert and --insecure contradict each other: --cacert verifies the"
                        + " gateway against FILE, --insecure verifies nothing; give one");
            }
            try {
                GatewayTrust.caCertificates(caCert);
            } catch (IllegalArgumentException e) {
                throw new CorralCommand.UsageError(e.getMessage());
            }
        }
        if (noHost && gateway == null && config == null) {
            throw new CorralCommand.UsageError("--no-host leaves nothing to check: give --gateway or --config");
        }
        String k = key != null ? key : System.getenv("CORRAL_DOCTOR_KEY");
        DoctorOptions o = new DoctorOptions(!noHost, unit, unitFile, modelsDir, storeOwner, ollamaVersion, ollamaSha256,
                ollamaBinary, gateway, k, insecure, caCert, config, fix);
        PrintWriter out = spec.commandLine().getOut();
        List<Finding> findings = new Doctor(spec.commandLine().getErr()).run(host, o);
        switch (format) {
            case "json" -> out.print(Report.json(findings));
            case "junit" -> out.print(Report.junit(findings));
            default -> out.print(Report.table(findings, System.console() != null && System.getenv("NO_COLOR") == null));
        }
        out.flush();
        return findings.stream().anyMatch(f -> f.severity() == Severity.FAIL) ? CHECK_FAILED : CorralCommand.OK;
    }
}
