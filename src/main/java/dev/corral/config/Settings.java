package dev.corral.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The validated configuration Corral runs with. Built only through {@link #from}, which checks every field. */
public record Settings(
        HostPort listen,
        boolean insecurePlaintext,
        Upstream upstream,
        Path stateDir,
        long maxBodyBytes,
        int maxHeaderBytes,
        int maxRequestLineBytes,
        Duration headerTimeout,
        Duration bodyTimeout,
        Duration keepaliveTimeout,
        int maxFilteredResponseBytes,
        boolean allowCloudModels,
        List<Cidr> trustedProxies,
        boolean accessLog,
        Admission admission,
        Tls tls,
        List<String> corsOrigins,
        Admin admin,
        Usage usage,
        Metrics metrics,
        Registries registries,
        OptionSettings options,
        Pins pins,
        Auth auth,
        SharedLimits sharedLimits) {

    /**
     * Sign-in besides keys and certificates: how far an ollama CLI signature's ts may be from this
     * clock; the bcrypt threads and wait for Basic passwords; how long a match is remembered.
     */
    public record Auth(Duration signatureWindow, int bcryptThreads, int bcryptQueue, Duration basicRemember,
                       List<Oidc> oidc, Duration jwtClockSkew, Duration jwksMinRefresh) {}

    /** An identity provider whose JWTs are bearer tokens; {@code jwksUrl} null: found by OIDC discovery. */
    public record Oidc(String issuer, String audience, URI jwksUrl, String nameClaim, String rolesClaim, List<OidcPolicy> policies) {}

    /** What subjects with {@code role} may do; null limits are the configured defaults. */
    public record OidcPolicy(String role, List<String> scopes, List<String> models, Long rpm, Long tpm, Long dailyTokens,
                             Long monthlyTokens, Integer concurrency, Integer weight) {}

    /** Whether metrics are recorded and served on the admin listener. */
    public record Metrics(boolean enabled) {}

    /** Usage accounting: how many records may wait for the store, how long one write waits on a lock. */
    public record Usage(int maxWaiting, Duration busyTimeout) {}

    /** TLS settings, or null when the listener speaks plain HTTP. */
    public record Tls(Path cert, Path key, Path clientCa, String clientAuth, Map<String, String> clientCertKeys, String hsts,
                      Duration reloadInterval) {}

    /** Admission settings, validated, in the groups they are used in. */
    public record Admission(KeyDefaults keyDefaults, FailedAuth failedAuth, Queue queue, long defaultMaxTokens) {}

    /** The limits of every key that sets none of its own; 0 = unlimited. */
    public record KeyDefaults(long rpm, long burst, long tpm, long dailyTokens, long monthlyTokens, int concurrency, int weight) {}

    /** Failed authentication per client address: a burst, then this many a minute. */
    public record FailedAuth(long perMinute, long burst) {}

    /** The fair queue in front of Ollama's slots. */
    public record Queue(int upstreamConcurrency, int size, int perKey, Duration timeout) {}

    /** Where Ollama is and how long Corral waits for it. */
    public record Upstream(URI url, String host, int port, Duration connectTimeout, Duration firstByteTimeout,
                           Duration idleTimeout, Duration poolIdleTimeout, Duration healthInterval) {
        /** The Host header Ollama's host check accepts: its own host:port. */
        public String hostHeader() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** Validates {@code raw}; {@code source} names the file (or "defaults") in every message. */
    public static Settings from(RawConfig raw, String source) {
        return from(raw, field -> source + ": " + field);
    }

    /**
     * Validates {@code raw}; {@code where} turns a field path into the start of its message, naming
     * where the value came from ("corral.yaml: upstream.url", "CORRAL_UPSTREAM_URL (upstream.url)").
     */
    public static Settings from(RawConfig raw, java.util.function.UnaryOperator<String> where) {
        Check c = new Check(where);
        HostPort listen = c.get("listen.address", () -> HostPort.parse(raw.listen.address));
        Upstream upstream = c.get("upstream.url", () -> upstream(raw.upstream, c));
        Path stateDir = raw.stateDir == null || raw.stateDir.isBlank()
                ? defaultStateDir()
                : Path.of(expandHome(raw.stateDir));
        long maxBody = c.get("limits.max_body_bytes", () -> bounded(Units.size(raw.limits.maxBodyBytes), 1024, 1L << 30));
        int maxHeader = c.get("limits.max_header_bytes",
                () -> (int) bounded(Units.size(raw.limits.maxHeaderBytes), 1024, 1 << 20));
        int maxLine = c.get("limits.max_request_line_bytes",
                () -> (int) bounded(Units.size(raw.limits.maxRequestLineBytes), 256, 1 << 20));
        int maxFiltered = c.get("limits.max_filtered_response_bytes",
                () -> (int) bounded(Units.size(raw.limits.maxFilteredResponseBytes), 64 * 1024, 1 << 30));
        Duration headerTimeout = c.get("limits.header_timeout", () -> positive(Units.duration(raw.limits.headerTimeout)));
        Duration bodyTimeout = c.get("limits.body_timeout", () -> positive(Units.duration(raw.limits.bodyTimeout)));
        Duration keepalive = c.get("limits.keepalive_timeout", () -> positive(Units.duration(raw.limits.keepaliveTimeout)));
        List<Cidr> proxies = new ArrayList<>();
        for (int i = 0; i < raw.trustedProxies.size(); i++) {
            String entry = raw.trustedProxies.get(i);
            proxies.add(c.get("trusted_proxies[" + i + "]", () -> Cidr.parse(entry)));
        }
        RawConfig.Admission a = raw.admission;
        RawConfig.KeyDefaults k = a.keyDefaults;
        Admission admission = new Admission(
                new KeyDefaults(
                        c.get("admission.key_defaults.rpm", () -> atLeast(k.rpm, 0)),
                        c.get("admission.key_defaults.burst", () -> atLeast(k.burst, 0)),
                        c.get("admission.key_defaults.tpm", () -> atLeast(k.tpm, 0)),
                        c.get("admission.key_defaults.daily_tokens", () -> atLeast(k.dailyTokens, 0)),
                        c.get("admission.key_defaults.monthly_tokens", () -> atLeast(k.monthlyTokens, 0)),
                        c.get("admission.key_defaults.concurrency", () -> (int) atLeast(k.concurrency, 0)),
                        c.get("admission.key_defaults.weight", () -> (int) atLeast(k.weight, 1))),
                new FailedAuth(
                        c.get("admission.failed_auth_per_minute", () -> atLeast(a.failedAuthPerMinute, 1)),
                        c.get("admission.failed_auth_burst", () -> atLeast(a.failedAuthBurst, 1))),
                new Queue(
                        c.get("admission.upstream_concurrency", () -> (int) atLeast(a.upstreamConcurrency, 1)),
                        c.get("admission.queue_size", () -> (int) atLeast(a.queueSize, 0)),
                        c.get("admission.queue_per_key", () -> (int) atLeast(a.queuePerKey, 0)),
                        c.get("admission.queue_timeout", () -> positive(Units.duration(a.queueTimeout)))),
                c.get("admission.default_max_tokens", () -> atLeast(a.defaultMaxTokens, 1)));
        Tls tls = tls(raw.listen.tls, c, "listen.tls");
        Settings s = new Settings(listen, raw.listen.insecurePlaintext, upstream, stateDir, maxBody, maxHeader,
                maxLine, headerTimeout, bodyTimeout, keepalive, maxFiltered, raw.policy.allowCloudModels,
                List.copyOf(proxies), raw.log.access, admission, tls, corsOrigins(raw.corsOrigins, c),
                Admin.from(raw.admin, stateDir, c),
                new Usage(c.get("usage.max_waiting", () -> (int) atLeast(raw.usage.maxWaiting, 1)),
                        c.get("usage.busy_timeout", () -> positive(Units.duration(raw.usage.busyTimeout)))),
                new Metrics(raw.metrics.enabled),
                Registries.from(raw.policy.registries, c),
                OptionSettings.from(raw.policy.options, raw.policy.keyOptions, c),
                Pins.from(raw.policy.pins, raw.policy.pinCheckInterval, c),
                AuthConfig.from(raw.auth, c),
                SharedLimitsConfig.from(raw.limits, c));
        if (!listen.isLoopback() && tls == null && !raw.listen.insecurePlaintext) {
            throw new ConfigException(where.apply("listen.address") + ": " + listen + " is not a loopback address and no TLS"
                    + " is configured, so keys and prompts would cross the network in clear text. Set listen.tls.cert and"
                    + " listen.tls.key, keep it on 127.0.0.1, or set listen.insecure_plaintext: true"
                    + " (CORRAL_LISTEN_INSECURE_PLAINTEXT=true) if a TLS proxy in front of Corral terminates TLS.");
        }
        return s;
    }

    /** The admin socket the CLI reaches a running server on. */
    public Path adminSocket() {
        return admin.socket();
    }

    /** Warnings for legal but risky settings; printed at every start. */
    public List<String> warnings() {
        List<String> w = new ArrayList<>();
        if (!listen.isLoopback() && tls == null) {
            w.add("listen.address " + listen + " is reachable off this host over plain HTTP"
                    + " (listen.insecure_plaintext: true): keys and prompts cross the network unencrypted");
        }
        if (tls != null && tls.hsts().isEmpty()) {
            w.add("listen.tls.hsts is empty: browsers are not told to insist on HTTPS");
        }
        if (allowCloudModels) {
            w.add("policy.allow_cloud_models: true: any key may run ':cloud' models billed to the Ollama owner's ollama.com account");
        }
        OptionRules o = options.defaults();
        if (o.allowForever() || o.allowUnload() || o.allowRunnerOptions() || o.allowTemplate() || o.allowRaw()
                || o.allowDebugRender()) {
            w.add("policy.options lets every key" + (o.allowForever() ? " pin models in memory forever" : "")
                    + (o.allowUnload() ? " unload models others use" : "")
                    + (o.allowRunnerOptions() ? " force model reloads (runner options)" : "")
                    + (o.allowTemplate() || o.allowRaw() || o.allowDebugRender()
                            ? " replace or read the models' prompt templates" : "")
                    + "; grant it per key in policy.key_options instead");
        }
        w.addAll(sharedLimits.warnings());
        if (!isLoopbackHost(upstream.host())) {
            w.add("upstream.url " + upstream.url() + " is not on loopback: traffic between Corral and Ollama is not protected");
        }
        return w;
    }

    static Tls tls(RawConfig.Tls raw, Check c, String at) {
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
        return new Tls(cert, key, ca, auth, keys, raw.hsts == null ? "" : raw.hsts.trim(),
                c.get(at + ".reload_interval", () -> positive(Units.duration(raw.reloadInterval))));
    }

    private static List<String> corsOrigins(List<String> raw, Check c) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String o = raw.get(i).trim();
            out.add(c.get("cors_origins[" + i + "]", () -> {
                if (o.equals("*")) {
                    throw new IllegalArgumentException("'*' would let any web page call the API with a visitor's browser;"
                            + " list exact origins such as https://chat.example.com");
                }
                if (!o.matches("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")) {
                    throw new IllegalArgumentException("'" + o + "' is not an origin (scheme://host[:port], no path)");
                }
                return o.toLowerCase(Locale.ROOT);
            }));
        }
        return List.copyOf(out);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    static Path readable(String p) {
        Path path = Path.of(expandHome(p.trim()));
        if (!java.nio.file.Files.exists(path)) {
            throw new IllegalArgumentException("file not found: " + path);
        }
        if (!java.nio.file.Files.isReadable(path)) {
            throw new IllegalArgumentException("file not readable by this user: " + path);
        }
        return path;
    }

    private static Upstream upstream(RawConfig.Upstream raw, Check c) {
        URI uri;
        try {
            uri = URI.create(raw.url.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + raw.url + "' is not a URL (example: http://127.0.0.1:11434)");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + raw.url + "' is not an http:// URL with a host (example: http://127.0.0.1:11434)");
        }
        if (uri.getRawUserInfo() != null) {
            // Ollama has no authentication to send it to, and it would end up in every log line naming the upstream.
            throw new IllegalArgumentException("the URL holds a user name or password; Ollama takes none: give only"
                    + " scheme, host and port (example: http://127.0.0.1:11434)");
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
            throw new IllegalArgumentException("'" + raw.url + "' has a path; Ollama serves at the root, give only scheme, host and port");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        return new Upstream(uri, host, port,
                c.get("upstream.connect_timeout", () -> positive(Units.duration(raw.connectTimeout))),
                c.get("upstream.first_byte_timeout", () -> positive(Units.duration(raw.firstByteTimeout))),
                c.get("upstream.idle_timeout", () -> positive(Units.duration(raw.idleTimeout))),
                c.get("upstream.pool_idle_timeout", () -> positive(Units.duration(raw.poolIdleTimeout))),
                c.get("upstream.health_interval", () -> positive(Units.duration(raw.healthInterval))));
    }

    static boolean isLoopbackHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1");
    }

    public static Path defaultStateDir() {
        return defaultStateDir(System.getenv(), System.getProperty("user.home"));
    }

    /**
     * $XDG_STATE_HOME/corral, else ~/.local/state/corral where ~ is $HOME: under sudo, a service
     * manager or a container, $HOME is the home the operator chose, while the JVM's user.home is
     * the account's entry in /etc/passwd; the keys must be where the operator looks for them.
     */
    static Path defaultStateDir(Map<String, String> env, String userHome) {
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "corral");
        }
        return Path.of(home(env, userHome), ".local", "state", "corral");
    }

    /** $HOME when set, else the JVM's user.home. */
    static String home(Map<String, String> env, String userHome) {
        String home = env.get("HOME");
        return home != null && !home.isBlank() ? home : userHome;
    }

    static String expandHome(String p) {
        if (p.equals("~") || p.startsWith("~/")) {
            return home(System.getenv(), System.getProperty("user.home")) + p.substring(1);
        }
        return p;
    }

    private static long bounded(long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException("must be between " + min + " and " + max + " bytes, got " + v);
        }
        return v;
    }

    private static long atLeast(long v, long min) {
        if (v < min) {
            throw new IllegalArgumentException("must be at least " + min + ", got " + v);
        }
        return v;
    }

    private static Duration positive(Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be greater than zero");
        }
        return d;
    }
}
