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
        this.remoteChecks = List.of(new GatewayProbe(), new CorralConfigCheck());
    }

    public List<Finding> run(Host host, DoctorOptions options) {
        List<Finding> out = new ArrayList<>();
        if (options.host()) {
            for (Check c : hostChecks) {
                out.addAll(safely(c, host, options));
            }
        }
        for (Check c : remoteChecks) {
            out.addAll(safely(c, host, options));
        }
        return out;
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
