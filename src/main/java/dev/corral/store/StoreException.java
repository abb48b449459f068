package dev.corral.store;

/**
 * The store could not do what was asked; the message says what and where. {@link #reason} is a
 * short cause without paths or addresses ("database locked", "disk full"), fit for /healthz.
 */
public final class StoreException extends RuntimeException {
    private final String reason;

    public StoreException(String message, Throwable cause) {
        this(message, cause, "error");
    }

    public StoreException(String message, Throwable cause, String reason) {
        super(message, cause);
        this.reason = reason;
    }

    /** A short cause for health reports: no file names, no addresses. */
    public String reason() {
        return reason;
    }
}
