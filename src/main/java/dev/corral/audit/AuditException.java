package dev.corral.audit;

/** An audit entry could not be written (disk full, I/O error, log closed); the message says where and why. */
public final class AuditException extends RuntimeException {
    public AuditException(String message, Throwable cause) {
        super(message, cause);
    }
}
