package dev.corral.doctor;

/** How a finding stands. SKIP means the check could not run here; it never counts as passed. */
public enum Severity {
    PASS,
    WARN,
    FAIL,
    SKIP
}
