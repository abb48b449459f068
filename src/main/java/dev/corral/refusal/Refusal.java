package dev.corral.refusal;

/**
 * A decision not to forward: what the client is told and, apart, why (for logs).
 *
 * @param message what the client reads; never holds a secret or a body
 * @param reason  a short code for the access log and metrics ("auth_unknown", "model_not_allowed")
 * @param close   the connection must close after the response (framing in doubt, body unread)
 */
public record Refusal(RefusalKind kind, String message, String reason, boolean close, java.util.Map<String, String> headers) {

    public Refusal(RefusalKind kind, String message, String reason, boolean close) {
        this(kind, message, reason, close, java.util.Map.of());
    }

    public static Refusal of(RefusalKind kind, String reason, String message) {
        return new Refusal(kind, message, reason, false);
    }

    public Refusal closing() {
        return close ? this : new Refusal(kind, message, reason, true, headers);
    }

    /** The same refusal with response headers (Retry-After, RateLimit-Policy, RateLimit). */
    public Refusal withHeaders(java.util.Map<String, String> h) {
        return new Refusal(kind, message, reason, close, java.util.Map.copyOf(h));
    }

    public int status() {
        return kind.status().code();
    }
}
