package dev.corral.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The config file as written (YAML, snake_case), before validation. Every default here is the
 * secure choice; {@link Settings#from} turns this into typed, checked values.
 */
public final class RawConfig {

    public Listen listen = new Listen();
    public Upstream upstream = new Upstream();

    /**
     * Several Ollama nodes instead of upstream.url: each entry a URL or {url, slots, weight, labels}.
     * Requests go to a healthy node that has the model; upstream's other fields (timeouts, the probe
     * interval) apply to every node. Empty by default: one Ollama at upstream.url.
     */
    public List<UpstreamNode> upstreams = new ArrayList<>();

    /** Where keys, usage and the server secret live. Default: $XDG_STATE_HOME/corral or ~/.local/state/corral. */
    public String stateDir = null;

    /**
     * Where keys, usage and audit are kept: empty (or "sqlite") for the SQLite file in the state
     * directory, or postgres://user@host:port/db?sslmode=verify-full&amp;sslrootcert=... for a database
     * shared by several instances. Never a password here: see storePasswordFile.
     */
    public String store = null;

    /** The file holding the PostgreSQL password (first line); without it, CORRAL_STORE_PASSWORD, or none. */
    public String storePasswordFile = null;

    public Limits limits = new Limits();
    public Policy policy = new Policy();

    /**
     * Client addresses (CIDR or single IP) whose X-Forwarded-For is believed. By default no proxies
     * are trusted: the client address is the TCP peer.
     */
    public List<String> trustedProxies = new ArrayList<>();

    public Log log = new Log();

    public Admission admission = new Admission();

    /**
     * Browser origins allowed to call the API (CORS), e.g. https://chat.example.com. By default none:
     * preflights are refused and no response carries Access-Control-Allow-Origin.
     */
    public List<String> corsOrigins = new ArrayList<>();

    public Usage usage = new Usage();

    public AdminListener admin = new AdminListener();

    public Metrics metrics = new Metrics();

    public RawAuth auth = new RawAuth();

    /** Prometheus metrics at GET /metrics on the admin listener (never the public port). */
    public static final class Metrics {
        /** Record metrics; false records nothing and serves no /metrics (to measure what recording costs). */
        public boolean enabled = true;
    }

    /** The operator plane: never the public port. */
    public static final class AdminListener {
        /**
         * The Unix socket the CLI uses to reach a running server (mode 0660). Default: admin.sock in
         * the state directory, which only its owner can enter.
         */
        public String socket = null;

        /**
         * The admin API over TCP (the console, /metrics, remote admin tools), where every call needs a key
         * with the admin scope. Loopback unless admin.tls is set; empty to turn it off.
         */
        public String listen = "127.0.0.1:11444";

        /** TLS for the admin TCP listener; needed to listen beyond loopback. */
        public Tls tls = new Tls();
    }

    public static final class Listen {
        /** Loopback by default: nothing off this machine can reach Corral until the operator says so. */
        public String address = "127.0.0.1:11443";

        /**
         * Serving plain HTTP on a non-loopback address sends keys and prompts in clear text; Corral
         * refuses to start that way unless this is true, and then warns at every start.
         */
        public boolean insecurePlaintext = false;

        /** TLS termination; off until cert and key are given. */
        public Tls tls = new Tls();
    }

    public static final class Tls {
        /** PEM certificate chain (leaf first), e.g. certbot's fullchain.pem. */
        public String cert = null;

        /** PEM private key, PKCS#8 ("BEGIN PRIVATE KEY"; certbot's privkey.pem), RSA or EC. */
        public String key = null;

        /** PEM CA certificates that sign client certificates (mTLS). */
        public String clientCa = null;

        /** none, optional or required: whether clients present a certificate signed by client_ca. */
        public String clientAuth = "none";

        /** Client certificate subject DN or SAN → key id: machines authenticate with their certificate. */
        public java.util.Map<String, String> clientCertKeys = new java.util.LinkedHashMap<>();

        /** Strict-Transport-Security on every TLS response; empty to send none. */
        public String hsts = "max-age=31536000";

        /** How often the files are checked for a renewed certificate (certbot). */
        public String reloadInterval = "10s";
    }

    /** One Ollama node of {@link #upstreams}. */
    public static final class UpstreamNode {
        /** The node's address, as upstream.url. */
        public String url;
        /** Requests it runs at once (its OLLAMA_NUM_PARALLEL x models loaded); default admission.upstream_concurrency. */
        public Integer slots;
        /** Its share when several nodes could serve a request: a node of weight 2 takes twice the load. */
        public int weight = 1;
        /** Free-form labels; "name" names the node in metrics, status and admin calls (default host:port). */
        public java.util.Map<String, String> labels = new java.util.LinkedHashMap<>();

        public UpstreamNode() {}

        /** An entry written as just its URL (also how CORRAL_UPSTREAMS lists them, comma-separated). */
        public UpstreamNode(String url) {
            this.url = url;
        }
    }

    public static final class Upstream {
        /**
         * Ollama's own address. Keep Ollama on loopback (OLLAMA_HOST=127.0.0.1:11434). Unset means
         * http://127.0.0.1:11434, unless upstreams lists the nodes (then setting both is an error).
         */
        public String url = null;
        public String connectTimeout = "5s";

        /** Loading a large model can take minutes before Ollama sends the first byte. */
        public String firstByteTimeout = "10m";

        /** Longest silence allowed between two chunks of a response. */
        public String idleTimeout = "5m";

        /** How long an unused keep-alive connection to Ollama stays in the pool. */
        public String poolIdleTimeout = "60s";

        /** How often Corral checks that Ollama answers (GET /api/version). */
        public String healthInterval = "5s";
    }

    public static final class Limits {
        /** Inference bodies are read whole for inspection; images in chat make them large, so 16 MiB. */
        public String maxBodyBytes = "16MiB";
        public String maxHeaderBytes = "16KiB";
        public String maxRequestLineBytes = "8KiB";

        /** Time allowed to send a request's headers once its first byte arrived (slowloris). */
        public String headerTimeout = "10s";

        /** Time allowed to send a whole request body. */
        public String bodyTimeout = "60s";

        /** How long an idle client keep-alive connection is kept open. */
        public String keepaliveTimeout = "75s";

        /** Largest upstream response Corral buffers to filter (model lists for keys with a model allowlist). */
        public String maxFilteredResponseBytes = "8MiB";

        // Shared limits (several instances; see SharedLimitsConfig).
        /**
         * Where the keys' limits (request and token rates, budgets, requests in flight) are kept. Empty
         * (the default): in this process, exact for one instance. redis://host:port/db, or rediss:// for
         * TLS, shares them exactly among every Corral pointed at the same Redis (or Valkey). The
         * password never goes here: shared_password_file, or the CORRAL_LIMITS_SHARED_PASSWORD variable.
         */
        public String shared = "";
        /** A file whose first line is the Redis password (keep it readable by Corral's user only). */
        public String sharedPasswordFile = null;
        /** PEM CA certificates that sign Redis's certificate (rediss://); by default the JVM's trust store. */
        public String sharedCa = null;
        /** How long a dead instance's token reservations and requests in flight still count in Redis. */
        public String sharedLease = "10s";
        /** The longest one Redis call may take before Redis counts as unreachable. */
        public String sharedTimeout = "500ms";
        /**
         * Redis unreachable: "local" (each instance enforces its share, the limit divided by the live
         * instances it last saw) or "refuse" (503 until Redis answers again).
         */
        public String onSharedFailure = "local";
        /** CORRAL_LIMITS_SHARED_PASSWORD, set by the loader: not a config field, so never shown or written. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public String sharedPasswordFromEnvironment = null;
    }

    public static final class Policy {
        /**
         * Models named "*:cloud" or "*-cloud" run on ollama.com, billed to the Ollama owner's
         * account. Refused unless true.
         */
        public boolean allowCloudModels = false;

        /**
         * The registries the admin API may pull from (the host part of a model name, with its port if
         * any). Only Ollama's own by default. An entry written "http://host:port" also allows plain
         * HTTP ("insecure": true) for that registry; no other entry ever does.
         */
        public List<String> registries = new ArrayList<>(List.of("registry.ollama.ai"));

        /** What callers may ask through a request's options (num_ctx, num_predict, keep_alive, template...). */
        public RawOptions options = new RawOptions();

        /** Key name → overrides of policy.options for the keys of that name. */
        public java.util.Map<String, RawOptions.Override> keyOptions = new java.util.LinkedHashMap<>();

        /**
         * Model name → the manifest digest it must have ("llama3.2:3b": "a80c4f17..."). A pinned model
         * whose digest at Ollama differs is refused for inference (409) until it is pinned again.
         */
        public java.util.Map<String, String> pins = new java.util.LinkedHashMap<>();

        /** How often Ollama's /api/tags digests are compared with policy.pins (also at start). */
        public String pinCheckInterval = "60s";
    }

    /** Rate, token and concurrency limits, and the fair queue in front of Ollama. 0 means unlimited. */
    public static final class Admission {
        /** Limits of every key that sets none of its own (corral keys create/update --rpm ...). */
        public KeyDefaults keyDefaults = new KeyDefaults();

        /** Requests that fail authentication, per client address: a burst, then this many a minute. */
        public long failedAuthPerMinute = 30;
        public long failedAuthBurst = 10;

        /**
         * Inference requests Ollama runs at once. Ollama's default is one request per loaded model
         * (OLLAMA_NUM_PARALLEL=1); raise it with OLLAMA_NUM_PARALLEL or several loaded models.
         */
        public int upstreamConcurrency = 1;

        /** Requests waiting for the upstream, in all and per key. */
        public int queueSize = 256;
        public int queuePerKey = 32;

        /** Longest wait in the queue before 503. */
        public String queueTimeout = "120s";

        /** Completion tokens reserved when a request sets no num_predict / max_tokens. */
        public long defaultMaxTokens = 2048;
    }

    public static final class KeyDefaults {
        public long rpm = 0;
        /** Requests a key may send at once above its steady rate; 0 = one minute's worth. */
        public long burst = 0;
        public long tpm = 0;
        public long dailyTokens = 0;
        public long monthlyTokens = 0;
        /** In-flight requests per key; by default one key cannot hold more than 4. */
        public int concurrency = 4;
        public int weight = 1;
    }

    /** Usage accounting: records wait in memory (and in the journal in the state dir) until the store takes them. */
    public static final class Usage {
        /**
         * Usage records that may wait for the store (locked, full, read-only, slow) before Corral
         * refuses new requests with 503 rather than serve what it cannot account for. About 300
         * bytes of memory each: the default holds about 30 MB, minutes to hours of traffic.
         */
        public int maxWaiting = 100_000;

        /**
         * How long one batch of usage records waits for a database another process holds locked
         * before the writer backs off and tries again (it never gives up).
         */
        public String busyTimeout = "2s";
    }

    public static final class Log {
        /** One JSON line per request (metadata only, never bodies). */
        public boolean access = true;
    }
}
