package dev.corral.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the keys' limits are kept: in this process ({@link #url} null, the default), or in Redis,
 * shared by every instance that names the same one.
 *
 * @param url             redis:// or rediss:// with host, port and database, no password; null: in this process
 * @param password        from limits.shared_password_file or CORRAL_LIMITS_SHARED_PASSWORD; null for none
 * @param ca              PEM CA certificates for a rediss:// server's certificate; null: the JVM's trust store
 * @param lease           how long a dead instance's reservations and slots still count
 * @param timeout         the longest one Redis call may take before Redis counts as unreachable
 * @param refuseOnFailure Redis unreachable: true refuses (503), false enforces this instance's share locally
 */
public record SharedLimits(URI url, String password, Path ca, Duration lease, Duration timeout, boolean refuseOnFailure) {

    public static final SharedLimits IN_PROCESS = new SharedLimits(null, null, null, Duration.ofSeconds(10),
            Duration.ofMillis(500), false);

    public boolean enabled() {
        return url != null;
    }

    /** Plain text or no password off this host: legal, said at every start. */
    List<String> warnings() {
        List<String> w = new ArrayList<>();
        if (url != null && !Settings.isLoopbackHost(url.getHost())) {
            if (url.getScheme().equals("redis")) {
                w.add("limits.shared " + url + " is plain redis:// off this host: key ids and the Redis password cross"
                        + " the network unencrypted (use rediss://)");
            }
            if (password == null) {
                w.add("limits.shared " + url + " is used without a password: anyone who reaches that Redis can change"
                        + " every key's limits (set limits.shared_password_file or CORRAL_LIMITS_SHARED_PASSWORD)");
            }
        }
        return w;
    }

    /** Never prints the password (settings end up in logs and test reports). */
    @Override
    public String toString() {
        return "SharedLimits[url=" + url + ", password=" + (password == null ? "none" : "(set)") + ", ca=" + ca + ", lease=" + lease
                + ", timeout=" + timeout + ", refuseOnFailure=" + refuseOnFailure + "]";
    }
}
