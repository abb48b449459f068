package dev.corral.audit;

/**
 * The actions the audit log knows, as constants so that callers and `corral audit list --action`
 * agree on the spelling. New ones follow the same shape: {@code thing.verb}, lower case.
 */
public final class Actions {
    public static final String SERVER_START = "server.start";
    public static final String SERVER_STOP = "server.stop";
    public static final String KEY_CREATE = "key.create";
    public static final String KEY_UPDATE = "key.update";
    public static final String KEY_REVOKE = "key.revoke";
    public static final String KEY_ROTATE = "key.rotate";
    public static final String KEY_EXPIRE = "key.expire";
    public static final String CONFIG_RELOAD = "config.reload";
    public static final String CONFIG_REJECT = "config.reject";
    public static final String TLS_RELOAD = "tls.reload";
    public static final String MODEL_PULL = "model.pull";
    public static final String MODEL_DELETE = "model.delete";
    public static final String REQUEST_CANCEL = "request.cancel";
    public static final String MODEL_COPY = "model.copy";
    /** An operator pinned a model to the digest Ollama has (corral models pin). */
    public static final String MODEL_PIN = "model.pin";
    /** A pinned model's digest at Ollama differs from its pin (policy.pins). */
    public static final String MODEL_DRIFT = "model.drift";
    /** A pinned model's digest matches its pin again. */
    public static final String MODEL_PIN_MATCH = "model.pin_match";
    /** A summary of failed authentications from one client address ({@link AuthFailureSummary}). */
    public static final String AUTH_FAILURES = "auth.failures";
    public static final String STORE_DEGRADED = "store.degraded";
    public static final String STORE_RECOVERED = "store.recovered";
    /** Shared limits (limits.shared): Redis stopped answering, and what each instance does meanwhile. */
    public static final String LIMITS_DEGRADED = "limits.degraded";
    /** Shared limits: Redis answers again; limits are shared again. */
    public static final String LIMITS_RECOVERED = "limits.recovered";
    /** The log set aside an unfinished last line left by a crash ({@link AuditLog#open}). */
    public static final String AUDIT_RECOVERED = "audit.recovered";

    private Actions() {}

    /**
     * Whether {@code action} is one {@code pattern} names: "key.revoke" matches itself only; "key.*"
     * (or "key.") matches every key action; "*" or null everything. `corral audit list --action` and
     * GET /admin/v1/audit?action= read it the same way.
     */
    public static boolean matches(String pattern, String action) {
        if (pattern == null || pattern.equals("*")) {
            return true;
        }
        if (pattern.endsWith("*")) {
            return action.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.endsWith(".") ? action.startsWith(pattern) : action.equals(pattern);
    }
}
