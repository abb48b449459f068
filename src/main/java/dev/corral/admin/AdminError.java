package dev.corral.admin;

/** A refused admin call: its HTTP status and the sentence the caller sees as {"error": ...}. */
public final class AdminError extends RuntimeException {
    private final int status;

    public AdminError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static AdminError badRequest(String message) {
        return new AdminError(400, message);
    }

    public static AdminError notFound(String message) {
        return new AdminError(404, message);
    }
}
