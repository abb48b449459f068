package dev.corral.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Validates the auth section: the signature window, the bcrypt pool, the identity providers (auth.oidc). */
final class AuthConfig {
    private AuthConfig() {}

    static Settings.Auth from(RawAuth a, Check c) {
        return new Settings.Auth(c.get("auth.signature_window", () -> windowOf(Units.duration(a.signatureWindow))),
                c.get("auth.bcrypt_threads", () -> countBetween(a.bcryptThreads, 1, 64)),
                c.get("auth.bcrypt_queue", () -> countBetween(a.bcryptQueue, 0, 10_000)),
                c.get("auth.basic_remember", () -> atMost(Units.duration(a.basicRemember), Duration.ofHours(1))),
                oidc(a.oidc, c),
                c.get("auth.jwt_clock_skew", () -> atMost(Units.duration(a.jwtClockSkew), Duration.ofMinutes(5))),
                c.get("auth.jwks_min_refresh", () -> atMost(Units.duration(a.jwksMinRefresh), Duration.ofHours(1))));
    }

    private static List<Settings.Oidc> oidc(List<RawAuth.Oidc> raw, Check c) {
        List<Settings.Oidc> out = new ArrayList<>();
        java.util.Set<String> issuers = new java.util.HashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            RawAuth.Oidc o = raw.get(i);
            String at = "auth.oidc[" + i + "]";
            String issuer = c.get(at + ".issuer", () -> required(o.issuer, "the exact iss of the provider's tokens, e.g."
                    + " https://login.example.com/realms/main"));
            if (!issuers.add(issuer)) {
                throw new ConfigException(c.where(at + ".issuer") + ": " + issuer + " is listed twice; keep one entry per issuer");
            }
            String audience = c.get(at + ".audience", () -> required(o.audience, "the aud the provider puts in tokens for Corral"));
            URI jwks = o.jwksUrl == null ? null : c.get(at + ".jwks_url", () -> keysUrl(o.jwksUrl));
            if (jwks == null) {
                c.get(at + ".issuer", () -> keysUrl(issuer)); // discovery fetches {issuer}/.well-known/openid-configuration
            }
            String nameClaim = c.get(at + ".name_claim", () -> required(o.nameClaim, "a claim such as name or email"));
            String rolesClaim = c.get(at + ".roles_claim", () -> required(o.rolesClaim, "a claim such as groups or roles"));
            List<Settings.OidcPolicy> policies = new ArrayList<>();
            for (int j = 0; j < o.policies.size(); j++) {
                RawAuth.OidcPolicy p = o.policies.get(j);
                String pa = at + ".policies[" + j + "]";
                String role = c.get(pa + ".role", () -> required(p.role, "the group or role value this policy is for"));
                for (String sc : p.scopes) {
                    if (!sc.equals("inference") && !sc.equals("meta")) {
                        throw new ConfigException(c.where(pa + ".scopes") + ": '" + sc + "' is not a scope; use inference or meta"
                                + " (admin is never given to a token)");
                    }
                }
                if (p.scopes.isEmpty()) {
                    throw new ConfigException(c.where(pa + ".scopes") + ": give at least one of inference, meta");
                }
                policies.add(new Settings.OidcPolicy(role, List.copyOf(p.scopes), List.copyOf(p.models), p.rpm, p.tpm, p.dailyTokens,
                        p.monthlyTokens, p.concurrency, p.weight));
            }
            if (policies.isEmpty()) {
                throw new ConfigException(c.where(at + ".policies") + ": give at least one {role: ..., scopes: [...]}; a token"
                        + " whose roles match none is refused");
            }
            out.add(new Settings.Oidc(issuer, audience, jwks, nameClaim, rolesClaim, List.copyOf(policies)));
        }
        return List.copyOf(out);
    }

    private static String required(String v, String what) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("required: " + what);
        }
        return v.strip();
    }

    /** An https URL, or http to a loopback host (a provider on this machine). */
    private static URI keysUrl(String v) {
        URI u;
        try {
            u = new URI(v.strip());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + v);
        }
        String host = u.getHost() == null ? "" : u.getHost();
        boolean loopback = host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("::1");
        if (!"https".equals(u.getScheme()) && !("http".equals(u.getScheme()) && loopback)) {
            throw new IllegalArgumentException("must be an https:// URL (plain http only to this machine): keys fetched in"
                    + " clear could be replaced on the way");
        }
        return u;
    }

    private static int countBetween(int v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException("must be a whole number from " + min + " to " + max + ", got " + v);
        }
        return v;
    }

    private static Duration atMost(Duration d, Duration max) {
        if (d.isNegative() || d.compareTo(max) > 0) {
            throw new IllegalArgumentException("must be between 0s (remember nothing) and " + max.toMinutes() + "m");
        }
        return d;
    }

    private static Duration windowOf(Duration d) {
        if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("must be between 1s and 10m (the default, 60s, allows for ordinary"
                    + " clock drift; a longer window lets a captured request be replayed for longer)");
        }
        return d;
    }

}
