package dev.corral.config;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/** Validates limits.shared*: the Redis URL, where its password comes from, the lease, the timeout and the failure mode. */
final class SharedLimitsConfig {
    /** The Redis password from the environment (a variable, not a config field: the effective config never shows it). */
    static final String PASSWORD_VARIABLE = "CORRAL_LIMITS_SHARED_PASSWORD";

    private SharedLimitsConfig() {}

    static SharedLimits from(RawConfig.Limits l, Check c) {
        boolean fromFile = l.sharedPasswordFile != null && !l.sharedPasswordFile.isBlank();
        boolean fromEnv = l.sharedPasswordFromEnvironment != null && !l.sharedPasswordFromEnvironment.isEmpty();
        if (l.shared == null || l.shared.isBlank()) {
            if (fromFile) {
                throw new ConfigException(c.where("limits.shared_password_file") + ": set, but limits.shared is empty;"
                        + " give limits.shared a redis:// URL, or remove the password file setting");
            }
            if (fromEnv) {
                throw new ConfigException(PASSWORD_VARIABLE + ": set, but limits.shared is empty; give limits.shared a"
                        + " redis:// URL (CORRAL_LIMITS_SHARED), or unset " + PASSWORD_VARIABLE);
            }
            return SharedLimits.IN_PROCESS;
        }
        URI url = c.get("limits.shared", () -> url(l.shared));
        if (fromFile && fromEnv) {
            throw new ConfigException(c.where("limits.shared_password_file") + ": the Redis password is also set in "
                    + PASSWORD_VARIABLE + "; keep one of the two");
        }
        Path ca = null;
        if (l.sharedCa != null && !l.sharedCa.isBlank()) {
            if (!url.getScheme().equals("rediss")) {
                throw new ConfigException(c.where("limits.shared_ca") + ": set, but limits.shared is plain redis://; use"
                        + " rediss:// to speak TLS to Redis, or remove limits.shared_ca");
            }
            ca = c.get("limits.shared_ca", () -> TlsConfig.readable(l.sharedCa));
        }
        String password = fromFile ? c.get("limits.shared_password_file", () -> passwordFile(l.sharedPasswordFile))
                : fromEnv ? l.sharedPasswordFromEnvironment : null;
        Duration lease = c.get("limits.shared_lease", () -> between(Units.duration(l.sharedLease), Duration.ofSeconds(2), "2s",
                Duration.ofMinutes(10), "10m"));
        Duration timeout = c.get("limits.shared_timeout", () -> between(Units.duration(l.sharedTimeout),
                Duration.ofMillis(10), "10ms", Duration.ofSeconds(30), "30s"));
        if (timeout.multipliedBy(2).compareTo(lease) >= 0) {
            throw new ConfigException(c.where("limits.shared_timeout") + ": " + l.sharedTimeout + " must be under half of"
                    + " limits.shared_lease (" + l.sharedLease + "), or a slow heartbeat loses the lease");
        }
        String mode = c.get("limits.on_shared_failure", () -> {
            String m = l.onSharedFailure == null ? "" : l.onSharedFailure.trim().toLowerCase(Locale.ROOT);
            if (!m.equals("local") && !m.equals("refuse")) {
                throw new IllegalArgumentException("must be local (each instance enforces its share) or refuse (503),"
                        + " got '" + l.onSharedFailure + "'");
            }
            return m;
        });
        return new SharedLimits(url, password, ca, lease, timeout, mode.equals("refuse"));
    }

    private static URI url(String text) {
        URI u;
        try {
            u = URI.create(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a URL (example: redis://127.0.0.1:6379/0)");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss") || u.getHost() == null) {
            throw new IllegalArgumentException("'" + text + "' is not a redis:// or rediss:// URL with a host"
                    + " (example: redis://127.0.0.1:6379/0, rediss:// for TLS)");
        }
        if (u.getRawUserInfo() != null && u.getRawUserInfo().contains(":")) {
            // The URL is shown by /admin/v1/config and in log lines; the password must not be.
            throw new IllegalArgumentException("the URL holds a password; give it in limits.shared_password_file or "
                    + PASSWORD_VARIABLE + " and keep only the user name (if any) in the URL");
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("'" + text + "' has a query or fragment; give only scheme, host, port and"
                    + " database (example: redis://127.0.0.1:6379/0)");
        }
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        if (!path.isEmpty() && !path.matches("/([0-9]|1[0-5])?")) {
            throw new IllegalArgumentException("'" + path + "' is not a database number; end the URL with /0 to /15");
        }
        int port = u.getPort() < 0 ? 6379 : u.getPort();
        int db = path.length() > 1 ? Integer.parseInt(path.substring(1)) : 0;
        String user = u.getRawUserInfo() == null ? "" : u.getRawUserInfo() + "@";
        String host = u.getHost().contains(":") && !u.getHost().startsWith("[") ? "[" + u.getHost() + "]" : u.getHost();
        return URI.create(scheme + "://" + user + host + ":" + port + "/" + db);
    }

    private static String passwordFile(String file) {
        Path p = Path.of(Settings.expandHome(file.trim()));
        if (!Files.exists(p)) {
            throw new IllegalArgumentException("file not found: " + p);
        }
        try {
            String first = Files.readString(p, StandardCharsets.UTF_8).lines().findFirst().orElse("");
            if (first.isEmpty()) {
                throw new IllegalArgumentException(p + " is empty; its first line must be the Redis password");
            }
            return first;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + p + ": " + e.getMessage());
        }
    }

    private static Duration between(Duration d, Duration min, String minText, Duration max, String maxText) {
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new IllegalArgumentException("must be between " + minText + " and " + maxText);
        }
        return d;
    }
}
