package dev.corral.config;

import java.util.ArrayList;
import java.util.List;

/** The config file's auth section as written: how callers sign in besides API keys and client certificates. */
public final class RawAuth {
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
}
