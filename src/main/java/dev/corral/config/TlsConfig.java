package dev.corral.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A tls section (the public listener's or the admin listener's) checked into {@link Settings.Tls}, or null when it is off. */
final class TlsConfig {
    private TlsConfig() {}

    static Settings.Tls from(RawConfig.Tls raw, Check c, String at) {
        if (raw == null || (blank(raw.cert) && blank(raw.key))) {
            if (raw != null && !blank(raw.clientCa)) {
                throw new ConfigException(c.where(at + ".client_ca") + ": needs " + at + ".cert and " + at + ".key");
            }
            return null;
        }
        if (blank(raw.cert) || blank(raw.key)) {
            throw new ConfigException(c.where(at + "." + (blank(raw.cert) ? "cert" : "key"))
                    + ": missing; TLS needs both " + at + ".cert and " + at + ".key");
        }
        Path cert = c.get(at + ".cert", () -> readable(raw.cert));
        Path key = c.get(at + ".key", () -> readable(raw.key));
        Path ca = blank(raw.clientCa) ? null : c.get(at + ".client_ca", () -> readable(raw.clientCa));
        String auth = raw.clientAuth == null ? "none" : raw.clientAuth.trim().toLowerCase(Locale.ROOT);
        if (!List.of("none", "optional", "required").contains(auth)) {
            throw new ConfigException(c.where(at + ".client_auth") + ": must be none, optional or required, got '" + auth + "'");
        }
        if (!auth.equals("none") && ca == null) {
            throw new ConfigException(c.where(at + ".client_auth") + ": " + auth + " needs " + at + ".client_ca");
        }
        Map<String, String> keys = raw.clientCertKeys == null ? Map.of() : Map.copyOf(raw.clientCertKeys);
        for (Map.Entry<String, String> e : keys.entrySet()) {
            if (e.getValue() == null || !e.getValue().matches("[a-z0-9]{12}")) {
                throw new ConfigException(c.where(at + ".client_cert_keys") + ": '" + e.getKey()
                        + "' must map to a key id (12 lower-case letters and digits, see corral keys list)");
            }
        }
        if (!keys.isEmpty() && ca == null) {
            throw new ConfigException(c.where(at + ".client_cert_keys") + ": needs " + at + ".client_ca to verify the certificates");
        }
        return new Settings.Tls(cert, key, ca, auth, keys, raw.hsts == null ? "" : raw.hsts.trim(),
                c.get(at + ".reload_interval", () -> Settings.positive(Units.duration(raw.reloadInterval))));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** A file named in the config that exists and this user can read (a leading ~ is the home directory). */
    static Path readable(String p) {
        Path path = Path.of(Settings.expandHome(p.trim()));
        if (!java.nio.file.Files.exists(path)) {
            throw new IllegalArgumentException("file not found: " + path);
        }
        if (!java.nio.file.Files.isReadable(path)) {
            throw new IllegalArgumentException("file not readable by this user: " + path);
        }
        return path;
    }
}
