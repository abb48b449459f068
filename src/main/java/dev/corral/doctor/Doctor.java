package dev.corral.doctor;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Runs the checks in order and collects their findings. */
public final class Doctor {
    private final List<Check> hostChecks;
    private final List<Check> remoteChecks;

    public Doctor(PrintWriter changes) {
        this.hostChecks = List.of(new BindCheck(), new EnvironmentCheck(), new SandboxCheck(), new GpuGroupCheck(),
                new ModelStoreCheck(changes), new VersionCheck());
        this.remoteChecks = List.of(new GatewayProbe(), new CorralConfigCheck(), new PinCheck());
    }

    public List<Finding> run(Host real, DoctorOptions options) {
        // Several checks ask systemctl the same question; within one run the answer does not change.
        Host host = new RememberingHost(real);
        List<Finding> out = new ArrayList<>();
        if (options.host()) {
            for (Check c : hostChecks) {
                out.addAll(safely(c, host, options));
            }
        }
        for (Check c : remoteChecks) {
            out.addAll(safely(c, host, options));
        }
        return sayEachReasonOnce(out);
    }

    /**
     * The first finding skipped for a shared reason (systemd missing) says it in full; the later ones refer
     * to that finding instead of repeating the same long systemctl error.
     */
    static List<Finding> sayEachReasonOnce(List<Finding> findings) {
        java.util.Map<String, String> firstSaidBy = new java.util.HashMap<>();
        List<Finding> out = new ArrayList<>(findings.size());
        for (Finding f : findings) {
            if (f.reason() == null) {
                out.add(f);
                continue;
            }
            String first = firstSaidBy.putIfAbsent(f.reason().full(), f.id());
            out.add(first == null ? f : f.referringTo(first));
        }
        return out;
    }

    /** A host view that runs each distinct command once per doctor run. */
    private static final class RememberingHost implements Host {
        private final Host host;
        private final java.util.Map<List<String>, Result> results = new java.util.HashMap<>();

        RememberingHost(Host host) {
            this.host = host;
        }

        @Override
        public java.nio.file.Path path(String absolute) {
            return host.path(absolute);
        }

        @Override
        public Result run(List<String> command) {
            return results.computeIfAbsent(List.copyOf(command), host::run);
        }

        @Override
        public boolean isRoot() {
            return host.isRoot();
        }

        @Override
        public java.util.Map<String, String> env() {
            return host.env();
        }
    }

    /** A check that breaks is reported as skipped with the reason, never as passed. */
    private static List<Finding> safely(Check c, Host host, DoctorOptions options) {
        try {
            return c.run(host, options);
        } catch (RuntimeException e) {
            String name = c.getClass().getSimpleName();
            return List.of(Finding.skip(name, name, "the check failed: " + e));
        }
    }
}
