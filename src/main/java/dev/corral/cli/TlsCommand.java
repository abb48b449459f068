package dev.corral.cli;

import dev.corral.tls.SelfSigned;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `corral tls`: certificates for testing. */
@Command(name = "tls", description = "TLS helpers.", subcommands = TlsCommand.SelfSignedCmd.class)
final class TlsCommand {

    @Command(name = "self-signed", description = {"Write a test certificate for a host: key.pem (PKCS#8, 0600), cert.pem",
            "(leaf and chain) and ca.pem, the throw-away CA that signed it (its key is not kept). For testing only."})
    static final class SelfSignedCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--host", required = true, description = "The name (or IP) clients connect to, e.g. gw.internal.")
        String host;

        @Option(names = "--out", defaultValue = ".", description = "Directory to write into (default: the current one).")
        Path out;

        @Option(names = "--days", defaultValue = "30", description = "Validity in days (default ${DEFAULT-VALUE}).")
        int days;

        @Override
        public Integer call() throws Exception {
            if (!host.matches("[A-Za-z0-9.:-]{1,253}")) {
                throw new CorralCommand.UsageError("--host must be a DNS name or an IP address");
            }
            if (days < 1 || days > 825) {
                throw new CorralCommand.UsageError("--days must be 1 to 825");
            }
            SelfSigned.Files3 f;
            try {
                f = SelfSigned.write(host, days, out);
            } catch (java.io.IOException e) {
                throw new CorralCommand.Failure("cannot write the certificate: " + e.getMessage());
            }
            spec.commandLine().getErr().println("Wrote " + f.cert() + ", " + f.key() + " and " + f.ca() + " for " + host
                    + " (" + days + " days). Use them as listen.tls.cert and listen.tls.key; clients trust ca.pem"
                    + " (curl --cacert " + f.ca() + ").");
            return CorralCommand.OK;
        }
    }
}
