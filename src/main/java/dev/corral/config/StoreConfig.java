package dev.corral.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where keys, usage and audit live: SQLite in the state directory (the default, {@link #postgres} null),
 * or a PostgreSQL database shared by several instances, parsed from {@code store: postgres://user@host:port/db?sslmode=...}.
 * The password is never part of the URL or the config file: it comes from {@code store_password_file}
 * or the CORRAL_STORE_PASSWORD variable, and is read only when the store opens.
 */
public record StoreConfig(Postgres postgres) {
    /** The variable holding the PostgreSQL password when no password file is given. */
    public static final String PASSWORD_VARIABLE = "CORRAL_STORE_PASSWORD";
    public static final StoreConfig SQLITE = new StoreConfig(null);

    /** Connection settings each driver option may carry; a password must not be one of them. */
    private static final Set<String> SECRET_PARAMS = Set.of("password", "sslpassword");
    private static final Set<String> VERIFYING = Set.of("verify-full", "verify-ca");

    /**
     * A PostgreSQL store.
     *
     * @param display      the URL as given (it holds no password), for messages and logs
     * @param params       driver parameters from the query (sslmode, sslrootcert, ...), in order
     * @param passwordFile where the password is, or null: CORRAL_STORE_PASSWORD, or none (trust, certificates)
     */
    public record Postgres(String display, String host, int port, String database, String user,
                           Map<String, String> params, Path passwordFile) {
        /** The JDBC URL: host, port, database and the driver parameters; no user, no password. */
        public String jdbcUrl() {
            StringBuilder b = new StringBuilder("jdbc:postgresql://")
                    .append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port).append('/').append(database);
            char sep = '?';
            for (Map.Entry<String, String> p : params.entrySet()) {
                b.append(sep).append(p.getKey()).append('=')
                        .append(java.net.URLEncoder.encode(p.getValue(), StandardCharsets.UTF_8));
                sep = '&';
            }
            return b.toString();
        }

        public String sslmode() {
            return params.getOrDefault("sslmode", "prefer");
        }
    }

    static StoreConfig from(String url, String passwordFile, Check c) {
        if (url == null || url.isBlank() || url.trim().equals("sqlite")) {
            if (passwordFile != null && !passwordFile.isBlank()) {
                throw new ConfigException(c.where("store_password_file") + ": set, but the store is SQLite; set store:"
                        + " postgres://user@host:port/db too, or remove store_password_file");
            }
            return SQLITE;
        }
        Postgres pg = c.get("store", () -> parse(url.trim()));
        Path file = passwordFile == null || passwordFile.isBlank() ? null
                : c.get("store_password_file", () -> readable(Path.of(Settings.expandHome(passwordFile.trim()))));
        return new StoreConfig(new Postgres(pg.display(), pg.host(), pg.port(), pg.database(), pg.user(), pg.params(), file));
    }

    /** Warnings for a store that works but is not safe: a password sent to another host without a verified TLS connection. */
    List<String> warnings() {
        List<String> w = new ArrayList<>();
        if (postgres != null && !Settings.isLoopbackHost(postgres.host()) && !VERIFYING.contains(postgres.sslmode())) {
            w.add("store " + postgres.display() + ": sslmode=" + postgres.sslmode() + " does not verify the server's certificate:"
                    + " the password and every key's HMAC can be read or changed on the way; use sslmode=verify-full&sslrootcert=<CA file>");
        }
        return w;
    }

    private static Postgres parse(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + url + "' is not a URL (example: postgres://corral@db.example.com:5432/corral?sslmode=verify-full)");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("postgres") || scheme.equals("postgresql")) || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + url + "' is neither sqlite nor a postgres:// URL with a host"
                    + " (example: postgres://corral@db.example.com:5432/corral?sslmode=verify-full)");
        }
        String info = uri.getRawUserInfo();
        if (info != null && info.contains(":")) {
            // The config file is read by people and tools that must not learn the password; it would also be logged.
            throw new IllegalArgumentException("the URL holds a password; remove it and put the password in a file named by"
                    + " store_password_file (CORRAL_STORE_PASSWORD_FILE), or in the variable " + PASSWORD_VARIABLE);
        }
        if (info == null || info.isBlank()) {
            throw new IllegalArgumentException("the URL names no user; give one: postgres://corral@" + uri.getHost() + "/...");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (path.length() < 2 || path.indexOf('/', 1) >= 0) {
            throw new IllegalArgumentException("the URL names no database; give one as its path: postgres://" + info + "@"
                    + uri.getHost() + "/corral");
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                if (SECRET_PARAMS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    throw new IllegalArgumentException("the URL holds a " + name + "; remove it and put the password in a file"
                            + " named by store_password_file (CORRAL_STORE_PASSWORD_FILE), or in the variable " + PASSWORD_VARIABLE);
                }
                params.put(name, value);
            }
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String mode = params.getOrDefault("sslmode", null);
        if (mode == null && !Settings.isLoopbackHost(host)) {
            throw new IllegalArgumentException("'" + url + "' reaches another host but sets no sslmode: add ?sslmode=verify-full"
                    + "&sslrootcert=<CA file> (or sslmode=disable to send the password in clear, warned at every start)");
        }
        if (mode == null) {
            params.put("sslmode", "disable"); // loopback: nothing crosses the network
        }
        return new Postgres(url, host, uri.getPort() < 0 ? 5432 : uri.getPort(), path.substring(1),
                URLDecoder.decode(info, StandardCharsets.UTF_8), java.util.Collections.unmodifiableMap(params), null);
    }

    private static Path readable(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("no such file: " + path + " (it should hold the PostgreSQL password on its first line)");
        }
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException("file not readable by this user: " + path);
        }
        return path;
    }
}
