package dev.corral.admission;

import dev.corral.config.Settings;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import java.net.InetAddress;
import java.util.Map;

/**
 * Failed authentication per client address: a burst, then a few a minute. Only failed attempts
 * are counted and refused (429 instead of 401); a valid key is never refused here, since every
 * local app shares 127.0.0.1 and one stale client must not lock out the others.
 */
public final class AuthFailureLimiter {
    private final Buckets buckets;
    private final long burst;
    private final long perMinute;

    public AuthFailureLimiter(Buckets buckets, Settings.FailedAuth cfg) {
        this.buckets = buckets;
        this.burst = cfg.burst();
        this.perMinute = cfg.perMinute();
    }

    /** Counts a failed attempt; true when the address is now over its limit. */
    public boolean failed(InetAddress a) {
        return buckets.take("auth:" + a.getHostAddress(), burst, perMinute, 1) > 0;
    }

    /** The refusal for an address over its limit. */
    public Refusal refusal() {
        long secs = Math.max(1, (long) Math.ceil(60.0 / perMinute));
        return new Refusal(RefusalKind.TOO_MANY_REQUESTS, "too many failed authentication attempts from this address",
                "auth_rate", false).withHeaders(Map.of("Retry-After", String.valueOf(secs),
                "RateLimit-Policy", "\"failed-auth\";q=" + burst + ";w=60",
                "RateLimit", "\"failed-auth\";r=0;t=" + secs));
    }
}
