package dev.corral.usage;

/**
 * How usage accounting stands, for /healthz: fine, degraded (records wait or the journal cannot be
 * written, but requests are served), or refusing (the bound of waiting records is reached and new
 * requests get 503).
 *
 * @param detail null when fine; else a short phrase without secrets, paths or addresses
 */
public record UsageHealth(boolean degraded, boolean refusing, String detail) {
    public static final UsageHealth OK = new UsageHealth(false, false, null);
}
