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

    /** Where keys, usage and the server secret live. Default: $XDG_STATE_HOME/corral or ~/.local/state/corral. */
    public String stateDir = null;

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

    public Auth auth = new Auth();

    /** How callers sign in besides API keys and client certificates. */
    public static final class Auth {
        /**
         * How far the signing time (ts) of an `ollama` CLI signature may be from Corral's clock, either
         * way. The body is not signed, so a captured request can be replayed with another body while
         * its ts is fresh: keep this short (signatures are only accepted over TLS or from loopback).
         */
        public String signatureWindow = "60s";

        /**
         * Basic passwords are checked with bcrypt (about a second each at cost 14) on this many
         * threads, away from the threads that serve requests; with this many more waiting, further
         * attempts get 429 until one finishes.
         */
        public int bcryptThreads = 2;
        public int bcryptQueue = 32;

        /** How long a Basic user and password that matched is remembered (an HMAC of them, in memory). */
        public String basicRemember = "5m";

        /** Identity providers whose JWTs are bearer tokens here (OIDC). None by default. */
        public List<Oidc> oidc = new ArrayList<>();

        /** How far a JWT's exp and nbf may be off Corral's clock. */
        public String jwtClockSkew = "30s";

        /** The least time between two fetches of a provider's JWKS: a token with an unknown kid asks for one. */
        public String jwksMinRefresh = "30s";
    }

    /** One identity provider: its tokens' issuer and audience, where its keys are, how claims map to policies. */
    public static final class Oidc {
        /** The exact "iss" of its tokens, e.g. https://login.example.com/realms/main. */
        public String issuer;
        /** The "aud" its tokens must carry for Corral. */
        public String audience;
        /** Its JWKS; default: jwks_uri of {issuer}/.well-known/openid-configuration. */
        public String jwksUrl;
        /** The claim shown as the principal's name; "sub" when absent. */
        public String nameClaim = "name";
        /** The claim holding the token's groups or roles (a list or one string). */
        public String rolesClaim = "groups";
        /** Role → what the subject may do; the first policy whose role the token has applies. None: 403. */
        public List<OidcPolicy> policies = new ArrayList<>();
    }

    /** What subjects with one role may do: as a key's scopes, models and limits (null: the defaults). */
    public static final class OidcPolicy {
        public String role;
        public List<String> scopes = new ArrayList<>(List.of("inference"));
        public List<String> models = new ArrayList<>();
        public Long rpm;
        public Long tpm;
        public Long dailyTokens;
        public Long monthlyTokens;
        public Integer concurrency;
        public Integer weight;
    }

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

    public static final class Upstream {
        /** Ollama's own address. Keep Ollama on loopback (OLLAMA_HOST=127.0.0.1:11434). */
        public String url = "http://127.0.0.1:11434";
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
