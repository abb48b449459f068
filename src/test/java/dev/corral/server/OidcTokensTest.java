package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.TestGateway;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JWT bearer tokens from an identity provider whose JWKS a real local HTTP server serves. */
class OidcTokensTest {
    @TempDir
    Path dir;

    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpServer idp;
    final AtomicReference<String> jwks = new AtomicReference<>();
    final AtomicInteger fetches = new AtomicInteger();
    String issuer;
    RSAKey rsa;
    ECKey ec;
    TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        jwks.set(new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
        idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        idp.createContext("/keys", ex -> {
            fetches.incrementAndGet();
            byte[] b = jwks.get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        idp.createContext("/.well-known/openid-configuration", ex -> {
            byte[] b = ("{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/keys\"}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        idp.start();
        issuer = "http://127.0.0.1:" + idp.getAddress().getPort();
        Path config = dir.resolve("corral.yaml");
        // No jwks_url: found through OIDC discovery.
        Files.writeString(config, "auth:\n"
                + "  jwks_min_refresh: 1s\n"
                + "  oidc:\n"
                + "    - issuer: " + issuer + "\n"
                + "      audience: corral\n"
                + "      roles_claim: groups\n"
                + "      policies:\n"
                + "        - role: ml-team\n"
                + "          scopes: [inference]\n"
                + "          models: ['llama3*']\n"
                + "          tpm: 50000\n"
                + "        - role: viewers\n"
                + "          scopes: [meta]\n");
        gw = TestGateway.start(config, Map.of("admission.failed_auth_burst", "1000"), SimConfig.defaults(new HostPort("127.0.0.1", 0)),
                Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        idp.stop(0);
    }

    JWTClaimsSet.Builder claims(String sub) {
        Date now = new Date();
        return new JWTClaimsSet.Builder().issuer(issuer).audience("corral").subject(sub).claim("name", "Ada " + sub)
                .claim("groups", List.of("staff", "ml-team")).issueTime(now).expirationTime(new Date(now.getTime() + 600_000));
    }

    String rs256(JWTClaimsSet c, RSAKey key) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), c);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    HttpResponse<String> get(String path, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gw.url() + path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> chat(String token, String model) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gw.url() + "/api/chat")).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"messages\":[],\"stream\":false}"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void validTokensSignInAsTheirSubjectWithTheirRolesPolicy() throws Exception {
        String token = rs256(claims("ada").build(), rsa);
        HttpResponse<String> ok = chat(token, "llama3.2:3b");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(chat(token, "qwen2.5:7b").statusCode()).as("the policy's models").isEqualTo(403);
        SignedJWT es = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(), claims("bob").build());
        es.sign(new ECDSASigner(ec));
        assertThat(get("/api/tags", es.serialize()).statusCode()).isEqualTo(200);
        // An RFC 9068 access token (typ at+jwt), PS256.
        SignedJWT at = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.PS256).keyID("rsa-1").type(new JOSEObjectType("at+jwt"))
                .build(), claims("cy").build());
        at.sign(new RSASSASigner(rsa));
        assertThat(get("/api/tags", at.serialize()).statusCode()).isEqualTo(200);
        // A viewer may list models, not run them.
        String viewer = rs256(claims("vic").claim("groups", "viewers").build(), rsa);
        assertThat(get("/api/tags", viewer).statusCode()).isEqualTo(200);
        assertThat(chat(viewer, "llama3.2:3b").statusCode()).isEqualTo(403);
        HttpResponse<String> nobody = get("/api/tags", rs256(claims("eve").claim("groups", List.of("staff")).build(), rsa));
        assertThat(nobody.statusCode()).isEqualTo(403);
        assertThat(nobody.body()).contains("no policy");
        String requestId = ok.headers().firstValue("X-Request-Id").orElseThrow();
        String line = gw.accessLog().stream().filter(l -> l.contains(requestId)).findFirst().orElseThrow();
        assertThat(line).contains("\"auth\":\"jwt\"").containsPattern("\"key_id\":\"j[a-z2-7]{11}\"");
        assertThat(gw.usage()).anyMatch(u -> u.requestId().equals(requestId) && u.keyId() != null && u.keyId().startsWith("j")
                && "jwt".equals(u.auth()));
    }

    @Test
    void expiredEarlyForeignUnsignedAndHmacTokensAreRefused() throws Exception {
        Date now = new Date();
        record Case(String name, String token, String says) {}
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), claims("mallory").build());
        // The classic confusion: HMAC keyed with the RSA public key the JWKS publishes.
        hs.sign(new MACSigner(padded(rsa.toPublicJWK().toRSAPublicKey().getEncoded())));
        String none = new PlainJWT(claims("mallory").build()).serialize();
        String noneWithAlg = new Base64URL(Base64URL.encode("{\"alg\":\"none\",\"kid\":\"rsa-1\"}").toString()) + "."
                + Base64URL.encode(claims("mallory").build().toString()) + ".";
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        List<Case> cases = List.of(
                new Case("expired", rs256(claims("a").expirationTime(new Date(now.getTime() - 120_000)).build(), rsa), "Expired"),
                new Case("not yet valid", rs256(claims("a").notBeforeTime(new Date(now.getTime() + 120_000)).build(), rsa), "before"),
                new Case("wrong audience", rs256(claims("a").audience("someone-else").build(), rsa), "aud claim rejected"),
                new Case("wrong issuer", rs256(claims("a").issuer("https://evil.example.com").build(), rsa), "issuer"),
                new Case("alg none", none, "unauthorized"),
                new Case("alg none with a kid", noneWithAlg, "unauthorized"),
                new Case("HS256 with the public key", hs.serialize(), "unauthorized"),
                new Case("signed by another key", rs256(claims("a").build(), stranger), "unauthorized"));
        for (Case c : cases) {
            HttpResponse<String> r = get("/api/tags", c.token());
            assertThat(r.statusCode()).as(c.name() + ": " + r.body()).isEqualTo(401);
            assertThat(r.body()).as(c.name()).contains(c.says());
        }
        // Within the skew (30 s) an expired token still counts.
        assertThat(get("/api/tags", rs256(claims("a").expirationTime(new Date(now.getTime() - 5_000)).build(), rsa)).statusCode())
                .isEqualTo(200);
    }

    @Test
    void aRotatedKeyIsFetchedOnceItsKidAppearsAndTheCachedSetServesWhileTheProviderIsDown() throws Exception {
        assertThat(get("/api/tags", rs256(claims("ada").build(), rsa)).statusCode()).isEqualTo(200);
        int before = fetches.get();
        RSAKey next = new RSAKeyGenerator(2048).keyID("rsa-2").generate();
        jwks.set(new JWKSet(List.of(rsa.toPublicJWK(), next.toPublicJWK())).toString());
        String rotated = rs256(claims("ada").build(), next);
        // An unknown kid asks for the set again, at most once per jwks_min_refresh (1 s here).
        dev.corral.testing.Eventually.await("the rotated key is fetched", Duration.ofSeconds(10),
                () -> status("/api/tags", rotated) == 200);
        assertThat(fetches.get()).isGreaterThan(before);
        // A flood of unknown kids does not become a flood of fetches.
        RSAKey unknown = new RSAKeyGenerator(2048).keyID("rsa-9").generate();
        int mid = fetches.get();
        for (int i = 0; i < 20; i++) {
            assertThat(get("/api/tags", rs256(claims("x").build(), unknown)).statusCode()).isEqualTo(401);
        }
        assertThat(fetches.get() - mid).isLessThanOrEqualTo(4);
        // The provider goes down: tokens signed by known keys still verify.
        idp.stop(0);
        assertThat(get("/api/tags", rotated).statusCode()).isEqualTo(200);
        assertThat(get("/api/tags", rs256(claims("ada").build(), rsa)).statusCode()).isEqualTo(200);
    }

    int status(String path, String token) {
        try {
            return get(path, token).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An HMAC secret must be at least 256 bits; the DER public key is longer, as an attacker would use it. */
    private static byte[] padded(byte[] k) {
        return k.length >= 32 ? k : java.util.Arrays.copyOf(k, 32);
    }
}
