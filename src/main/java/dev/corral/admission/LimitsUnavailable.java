package dev.corral.admission;

/**
 * Thrown by shared limits that cannot be checked (their store does not answer) when the operator
 * chose to refuse rather than enforce a local share (limits.on_shared_failure: refuse). Admission
 * turns it into a 503; nothing is admitted that was not checked.
 */
public final class LimitsUnavailable extends RuntimeException {
    public LimitsUnavailable(String message) {
        super(message, null, false, false);
    }
}
