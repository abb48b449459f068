package dev.corral.access;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.corral.config.Settings;
import dev.corral.store.KeyLimits;
import dev.corral.store.Scope;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Verifies JWT bearer tokens from the configured identity providers (auth.oidc) with nimbus-jose-jwt:
 * the signature by a key of the issuer's JWKS, with RS256, PS256 or ES256 only (never "none", never an
 * HMAC, so a public key can never be used as a shared secret), then iss, aud, exp and nbf within a
 * small skew. The JWKS is fetched with a timeout, cached, fetched again for an unknown kid at most
 * once per interval, and kept in use while the provider is down. Fetching can block, so verification
 * runs on its own small pool, never on an event loop. Each subject is its own principal, with the
 * scopes, models and limits of the first policy whose role its token carries.
 */
public final class OidcTokens implements AutoCloseable {
    /** What a token proved: a principal, or a failure with what the client may be told. */
    public record Verdict(Principal principal, AuthFailure failure, String detail) {}

    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256);
    private static final int TIMEOUT_MS = 3_000;
    private static final int MAX_JWKS_BYTES = 256 * 1024;

    private final Map<String, Provider> providers = new LinkedHashMap<>();
    private final ThreadPoolExecutor pool;

    /** @param minRefresh the least time between two fetches of a provider's JWKS (an unknown kid asks for one) */
    public OidcTokens(List<Settings.Oidc> config, Duration skew, Duration minRefresh) {
        for (Settings.Oidc o : config) {
            providers.put(o.issuer(), new Provider(o, skew, minRefresh));
        }
        this.pool = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
            Thread t = new Thread(r, "corral-jwt");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        this.pool.allowCoreThreadTimeOut(true);
    }

    /** True when some provider is configured: only then is a JWT-shaped bearer token read as one. */
    public boolean enabled() {
        return !providers.isEmpty();
    }

    /** Verifies {@code token} on the pool; completes at once when the pool is full. */
    public CompletableFuture<Verdict> verify(String token) {
        CompletableFuture<Verdict> out = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    out.complete(verifyNow(token));
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            out.complete(new Verdict(null, AuthFailure.BUSY, "too many tokens being checked at once; try again shortly"));
        }
        return out;
    }

    Verdict verifyNow(String token) {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            return fail(AuthFailure.MALFORMED, null);
        }
        if (!(jwt instanceof SignedJWT signed)) {
            return fail(AuthFailure.BAD_TOKEN, "unauthorized: unsigned or encrypted tokens are refused");
        }
        String issuer;
        try {
            issuer = signed.getJWTClaimsSet().getIssuer();
        } catch (ParseException e) {
            return fail(AuthFailure.MALFORMED, null);
        }
        Provider p = issuer == null ? null : providers.get(issuer);
        if (p == null) {
            return fail(AuthFailure.BAD_TOKEN, "unauthorized: tokens of this issuer are not accepted here");
        }
        JWTClaimsSet claims;
        try {
            claims = p.processor().process(signed, null);
        } catch (BadJWTException e) {
            return fail(AuthFailure.BAD_TOKEN, "unauthorized: " + e.getMessage()); // expired, not yet valid, audience ...
        } catch (BadJOSEException e) {
            return fail(AuthFailure.BAD_TOKEN, null); // signature, algorithm, no matching key
        } catch (KeySourceException e) {
            return fail(AuthFailure.BAD_TOKEN, "unauthorized: the identity provider's keys cannot be fetched now");
        } catch (JOSEException | IOException e) {
            return fail(AuthFailure.BAD_TOKEN, null);
        }
        Settings.OidcPolicy policy = p.policyFor(claims);
        if (policy == null) {
            return fail(AuthFailure.NO_POLICY, "forbidden: no policy of this gateway covers the token's "
                    + p.config.rolesClaim());
        }
        return new Verdict(principal(p.config, claims, policy), null, null);
    }

    private static Principal principal(Settings.Oidc cfg, JWTClaimsSet claims, Settings.OidcPolicy policy) {
        String sub = claims.getSubject();
        Object name = claims.getClaim(cfg.nameClaim());
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        policy.scopes().forEach(s -> scopes.add(Scope.parse(s)));
        KeyLimits limits = new KeyLimits(policy.rpm(), policy.tpm(), policy.dailyTokens(), policy.monthlyTokens(),
                policy.concurrency(), policy.weight());
        return new Principal(subjectId(cfg.issuer(), sub), name instanceof String n && !n.isBlank() ? n : sub,
                Set.copyOf(scopes), ModelPatterns.of(policy.models()), limits);
    }

    /**
     * The principal id of a subject: "j" and 11 base32 characters of SHA-256(issuer, sub), the shape of a
     * key id, so limits, usage and the access log treat it as one; stable across tokens and restarts.
     */
    static String subjectId(String issuer, String sub) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((issuer + "\n" + sub).getBytes(StandardCharsets.UTF_8));
            String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
            StringBuilder sb = new StringBuilder("j");
            for (int i = 0; i < 11; i++) {
                sb.append(alphabet.charAt((d[i] & 0xff) % 32));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Verdict fail(AuthFailure f, String detail) {
        return new Verdict(null, f, detail);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /** One issuer: its processor, built on first use (discovery may need the network). */
    private static final class Provider {
        final Settings.Oidc config;
        private final Duration skew;
        private final Duration minRefresh;
        private DefaultJWTProcessor<SecurityContext> processor;

        Provider(Settings.Oidc config, Duration skew, Duration minRefresh) {
            this.config = config;
            this.skew = skew;
            this.minRefresh = minRefresh;
        }

        synchronized DefaultJWTProcessor<SecurityContext> processor() throws IOException {
            if (processor != null) {
                return processor;
            }
            DefaultResourceRetriever http = new DefaultResourceRetriever(TIMEOUT_MS, TIMEOUT_MS, MAX_JWKS_BYTES);
            URL jwks = config.jwksUrl() != null ? config.jwksUrl().toURL() : discover(http);
            long refresh = minRefresh.toMillis();
            JWKSource<SecurityContext> source = JWKSourceBuilder.<SecurityContext>create(jwks, http)
                    .cache(Math.max(refresh, Duration.ofMinutes(5).toMillis()), TIMEOUT_MS)
                    .rateLimited(refresh)
                    .refreshAheadCache(false)
                    .retrying(false)
                    .outageTolerantForever()
                    .build();
            DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
            // typ JWT, none, or RFC 9068's "at+jwt" that access tokens of several providers carry.
            p.setJWSTypeVerifier(new com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier<>(
                    com.nimbusds.jose.JOSEObjectType.JWT, new com.nimbusds.jose.JOSEObjectType("at+jwt"), null));
            p.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, source));
            DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(Set.of(config.audience()),
                    new JWTClaimsSet.Builder().issuer(config.issuer()).build(), Set.of("sub", "exp", "iss", "aud"), null);
            claims.setMaxClockSkew((int) skew.toSeconds());
            p.setJWTClaimsSetVerifier(claims);
            processor = p;
            return p;
        }

        /** OIDC discovery: jwks_uri of {issuer}/.well-known/openid-configuration. */
        private URL discover(DefaultResourceRetriever http) throws IOException {
            String base = config.issuer().endsWith("/") ? config.issuer().substring(0, config.issuer().length() - 1) : config.issuer();
            String doc = http.retrieveResource(new URL(base + "/.well-known/openid-configuration")).getContent();
            String uri = new ObjectMapper().readTree(doc).path("jwks_uri").asText("");
            if (!uri.startsWith("https://") && !uri.startsWith("http://127.0.0.1") && !uri.startsWith("http://localhost")) {
                throw new IOException("the discovery document of " + config.issuer() + " names no https jwks_uri");
            }
            return new URL(uri);
        }

        /** The first policy whose role is among the token's roles claim (a list or one string), or null. */
        Settings.OidcPolicy policyFor(JWTClaimsSet claims) {
            Object v = claims.getClaim(config.rolesClaim());
            List<String> roles = new ArrayList<>();
            if (v instanceof String s) {
                roles.add(s);
            } else if (v instanceof List<?> l) {
                l.forEach(x -> roles.add(String.valueOf(x)));
            }
            for (Settings.OidcPolicy p : config.policies()) {
                if (roles.contains(p.role())) {
                    return p;
                }
            }
            return null;
        }
    }

}
