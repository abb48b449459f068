package dev.corral.doctor;

import java.util.List;

/** One area of the audit. A check reads the host only through {@link Host} and never throws for what it finds. */
public interface Check {
    List<Finding> run(Host host, DoctorOptions options);
}
