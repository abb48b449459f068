package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.access.Authenticator;
import dev.corral.access.ClientCertificates;
import dev.corral.admin.AdminClient;
import dev.corral.admission.AuthFailureLimiter;
import dev.corral.admission.LocalBuckets;
import dev.corral.config.ConfigLoader;
import dev.corral.config.HostPort;
import dev.corral.config.Settings;
import dev.corral.pipeline.Authenticate;
import dev.corral.pipeline.Classify;
import dev.corral.pipeline.Decision;
import dev.corral.pipeline.Exchange;
import dev.corral.route.RouteTable;
import dev.corral.sim.SimConfig;
import dev.corral.sim.SimRecorder;
import dev.corral.store.UsageRecord;
import dev.corral.testing.MutableClock;
import dev.corral.testing.OllamaSigner;
import dev.corral.testing.TestGateway;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code ollama} CLI's signed requests (OLLAMA_AUTH=1) through a real gateway: keys registered
 * through the admin API, requests signed as the CLI signs them, what reached the simulator.
 */
class SignedRequestsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestGateway gw;
    static AdminClient admin;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final OllamaSigner alice = OllamaSigner.generate();
    static String aliceId;

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start(Map.of("admission.failed_auth_burst", "1000"), SimConfig.defaults(new HostPort("127.0.0.1", 0)));
        admin = new AdminClient(gw.corral.adminSocket(), Duration.ofSeconds(10));
        ObjectNode body = JSON.createObjectNode().put("name", "alice");
        body.putArray("ssh_keys").add(alice.publicKeyLine("alice@laptop"));
        body.putArray("models").add("llama3*");
        AdminClient.Response created = admin.call("POST", "/admin/v1/keys", body);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().has("key")).as("an ssh key has no bearer secret to show").isFalse();
        assertThat(created.body().path("ssh_keys").get(0).path("fingerprint").asText()).startsWith("SHA256:");
        aliceId = created.body().path("id").asText();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static HttpResponse<String> send(String method, String pathAndQuery, String authorization, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url() + pathAndQuery)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }

    @Test
    void requestsSignedAsTheOllamaCliSignsThemGoThroughAsTheirKeyWithoutTheirTs() throws Exception {
        long ts = now();
        HttpResponse<String> tags = send("GET", "/api/tags?ts=" + ts, alice.authorization("GET", "/api/tags", ts), null);
        assertThat(tags.statusCode()).as(tags.body()).isEqualTo(200);
        String chatBody = "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":false}";
        HttpResponse<String> chat = send("POST", "/api/chat?ts=" + ts, alice.authorization("POST", "/api/chat", ts), chatBody);
        assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
        String requestId = chat.headers().firstValue("X-Request-Id").orElseThrow();
        SimRecorder.Request seen = gw.seen().requests().stream().filter(r -> requestId.equals(r.id())).findFirst().orElseThrow();
        assertThat(seen.uri()).isEqualTo("/api/chat");
        assertThat(seen.header("Authorization")).isNull();
        // The key's model allowlist holds for its signatures.
        HttpResponse<String> other = send("POST", "/api/chat?ts=" + ts, alice.authorization("POST", "/api/chat", ts),
                chatBody.replace("llama3.2:3b", "qwen2.5:7b"));
        assertThat(other.statusCode()).isEqualTo(403);
        List<UsageRecord> usage = gw.usage();
        assertThat(usage).anyMatch(u -> u.requestId().equals(requestId) && aliceId.equals(u.keyId()) && "ssh".equals(u.auth()));
        assertThat(gw.accessLog()).anyMatch(l -> l.contains(requestId) && l.contains("\"auth\":\"ssh\"")
                && l.contains("\"key_id\":\"" + aliceId + "\""));
    }

    @Test
    void forgedStaleTamperedAndForeignSignaturesAreRefused() throws Exception {
        long ts = now();
        OllamaSigner stranger = OllamaSigner.generate();
        record Case(String name, String method, String uri, String auth, int status, String says) {}
        List<Case> cases = List.of(
                new Case("unregistered key", "GET", "/api/tags?ts=" + ts, stranger.authorization("GET", "/api/tags", ts), 401, "a valid API key"),
                new Case("path tampered", "GET", "/api/ps?ts=" + ts, alice.authorization("GET", "/api/tags", ts), 401, "a valid API key"),
                new Case("method tampered", "POST", "/api/show?ts=" + ts, alice.authorization("GET", "/api/show", ts), 401, "a valid API key"),
                new Case("ts differs from the signed one", "GET", "/api/tags?ts=" + (ts - 5), alice.authorization("GET", "/api/tags", ts), 401,
                        "a valid API key"),
                new Case("ts outside the window", "GET", "/api/tags?ts=" + (ts - 600), alice.authorization("GET", "/api/tags", ts - 600), 401,
                        "check the client's clock"),
                new Case("no ts", "GET", "/api/tags", alice.authorization("GET", "/api/tags", ts), 401, "ts=<unix seconds>"),
                new Case("rsa key", "GET", "/api/tags?ts=" + ts, "AAAAB3NzaC1yc2EAAAADAQABAAAAAQA=:" + "A".repeat(86) + "==", 401,
                        "only ssh-ed25519"),
                new Case("ecdsa key", "GET", "/api/tags?ts=" + ts, "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=:" + "A".repeat(86) + "==",
                        401, "only ssh-ed25519"),
                new Case("malformed", "GET", "/api/tags?ts=" + ts, "AAAA:AAAA", 401, "unauthorized"));
        for (Case c : cases) {
            HttpResponse<String> r = send(c.method(), c.uri(), c.auth(), c.method().equals("POST") ? "{\"model\":\"llama3.2:3b\"}" : null);
            assertThat(r.statusCode()).as(c.name()).isEqualTo(c.status());
            assertThat(r.body()).as(c.name()).contains(c.says());
            assertThat(r.headers().firstValue("WWW-Authenticate")).as(c.name()).isPresent();
        }
        HttpRequest both = HttpRequest.newBuilder(URI.create(gw.url() + "/api/tags?ts=" + ts))
                .header("Authorization", alice.authorization("GET", "/api/tags", ts)).header("x-api-key", gw.inferenceKey()).build();
        HttpResponse<String> conflict = http.send(both, HttpResponse.BodyHandlers.ofString());
        assertThat(conflict.statusCode()).isEqualTo(400);
        assertThat(conflict.body()).contains("more than one credential");
        assertThat(gw.accessLog()).anyMatch(l -> l.contains("\"reason\":\"auth_stale\""))
                .anyMatch(l -> l.contains("\"reason\":\"auth_bad_signature\""))
                .anyMatch(l -> l.contains("\"reason\":\"auth_unsupported_key\""));
    }

    @Test
    void aRevokedKeysSignaturesAreRefused() throws Exception {
        OllamaSigner bob = OllamaSigner.generate();
        ObjectNode body = JSON.createObjectNode().put("name", "bob");
        body.putArray("ssh_keys").add(bob.publicKeyLine("bob@desk"));
        String id = admin.call("POST", "/admin/v1/keys", body).body().path("id").asText();
        long ts = now();
        assertThat(send("GET", "/api/tags?ts=" + ts, bob.authorization("GET", "/api/tags", ts), null).statusCode()).isEqualTo(200);
        // Registering the same public key again, for any key, is refused.
        AdminClient.Response again = admin.call("POST", "/admin/v1/keys", body.put("name", "bob2"));
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.error()).contains("already signs in as key " + id);
        admin.call("POST", "/admin/v1/keys/" + id + "/revoke", null);
        assertThat(send("GET", "/api/tags?ts=" + ts, bob.authorization("GET", "/api/tags", ts), null).statusCode()).isEqualTo(401);
        JsonNode listed = admin.call("GET", "/admin/v1/keys/" + id, null).body();
        assertThat(listed.path("ssh_keys").get(0).path("line").asText()).startsWith("ssh-ed25519 ").endsWith("bob@desk");
    }

    /** Requests signed by Go as Ollama's client signs them (scripts/ollama-sign), replayed at their own time. */
    @Test
    void requestsSignedByGoAsOllamaSignsThemGoThrough() throws Exception {
        JsonNode vectors;
        try (InputStream in = getClass().getResourceAsStream("/auth/ollama-signatures.json")) {
            vectors = JSON.readTree(in);
        }
        MutableClock clock = new MutableClock(Instant.ofEpochSecond(vectors.get(0).path("ts").asLong()));
        try (TestGateway go = TestGateway.start(Map.of(), SimConfig.defaults(new HostPort("127.0.0.1", 0)), clock)) {
            AdminClient goAdmin = new AdminClient(go.corral.adminSocket(), Duration.ofSeconds(10));
            ObjectNode body = JSON.createObjectNode().put("name", "alice");
            body.putArray("ssh_keys").add(vectors.get(0).path("authorized_key").asText());
            assertThat(goAdmin.call("POST", "/admin/v1/keys", body).status()).isEqualTo(201);
            int checked = 0;
            for (JsonNode v : vectors) {
                String uri = v.path("request_uri").asText();
                String path = v.path("path").asText();
                // The CLI's heartbeat (HEAD /), then what `ollama run` sends.
                if (!List.of("/", "/api/tags", "/api/show", "/api/generate").contains(path)) {
                    continue;
                }
                clock.set(Instant.ofEpochSecond(v.path("ts").asLong()));
                // OLLAMA_HOST's path prefix is on the wire, not in the challenge: a proxy in front strips it.
                String onWire = uri.startsWith("/ollama/") ? uri.substring("/ollama".length()) : uri;
                String method = v.path("method").asText();
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(go.url() + onWire))
                        .header("Authorization", v.path("authorization").asText())
                        .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"llama3.2:3b\",\"stream\":false}") : HttpRequest.BodyPublishers.noBody());
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(uri + " " + r.body()).isEqualTo(200);
                checked++;
            }
            assertThat(checked).isEqualTo(4);
            clock.advance(Duration.ofMinutes(5));
            JsonNode v = vectors.get(1);
            HttpResponse<String> late = http.send(HttpRequest.newBuilder(URI.create(go.url() + v.path("request_uri").asText()))
                    .header("Authorization", v.path("authorization").asText()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(late.statusCode()).isEqualTo(401);
        }
    }

    /** The body is not signed: over plain HTTP a signature counts only from loopback. */
    @Test
    void aSignatureOverPlainHttpFromAnotherMachineIsRefused() throws Exception {
        Settings settings = new ConfigLoader(Map.of()).load(null, Map.of());
        EmbeddedChannel loop = new EmbeddedChannel();
        try {
            long ts = now();
            DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/tags?ts=" + ts);
            req.headers().set("Authorization", alice.authorization("GET", "/api/tags", ts));
            Exchange remote = new Exchange("r", Instant.now(), System.nanoTime(), req, InetAddress.getByName("192.0.2.7"), null,
                    loop.eventLoop(), false);
            assertThat(remote.secureChannel()).isFalse();
            assertThat(new Exchange("r", Instant.now(), System.nanoTime(), req, InetAddress.getByName("192.0.2.7"), null,
                    loop.eventLoop(), true).secureChannel()).isTrue();
            assertThat(new Classify(RouteTable.ollama(), RouteTable.publicClasses()).apply(remote)).isSameAs(Decision.CONTINUE);
            dev.corral.access.KeyDirectory keys = new dev.corral.access.KeyDirectory(gw.corral.store());
            keys.refresh();
            Authenticator authenticator = new Authenticator(keys, new dev.corral.access.KeyHasher(
                    dev.corral.store.StateDir.open(gw.stateDir).serverSecret()), java.time.Clock.systemUTC());
            Decision d = new Authenticate(authenticator, new AuthFailureLimiter(new LocalBuckets(), settings.admission().failedAuth()),
                    ClientCertificates.none()).apply(remote);
            assertThat(d.kind()).isEqualTo(Decision.Kind.REFUSE);
            assertThat(d.refusal().status()).isEqualTo(401);
            assertThat(d.refusal().reason()).isEqualTo("auth_insecure");
            assertThat(d.refusal().message()).contains("only over TLS or from loopback");
        } finally {
            loop.finishAndReleaseAll();
        }
    }
}
