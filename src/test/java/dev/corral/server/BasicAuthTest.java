package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.cli.CorralCommand;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Basic users imported from a Caddyfile sign in through a real gateway, as keys do. */
class BasicAuthTest {
    @TempDir
    Path dir;

    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static String bcrypt(String version, String password, int cost) {
        byte[] salt = new byte[16];
        new java.security.SecureRandom().nextBytes(salt);
        return OpenBSDBCrypt.generate(version, password.getBytes(StandardCharsets.UTF_8), salt, cost);
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static HttpRequest tags(TestGateway gw, String authorization) {
        return HttpRequest.newBuilder(URI.create(gw.url() + "/api/tags")).timeout(Duration.ofSeconds(60))
                .header("Authorization", authorization).build();
    }

    record Run(int code, String out, String err) {}

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CorralCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), Map.of()).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void caddyfileUsersAreImportedAndSignInWithTheirPasswordsAsKeys() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("admission.failed_auth_burst", "1000"),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            Path caddyfile = dir.resolve("Caddyfile");
            // Newer Caddy writes the hash as it is; older versions base64-encoded it.
            Files.writeString(caddyfile, "ollama.example.com {\n"
                    + "    basic_auth /api/* {\n"
                    + "        alice " + bcrypt("2a", "alice-secret", 6) + "\n"
                    + "        # a comment\n"
                    + "        bob " + Base64.getEncoder().encodeToString(bcrypt("2b", "bob secret ünïcode", 5)
                            .getBytes(StandardCharsets.US_ASCII)) + "\n"
                    + "    }\n"
                    + "    reverse_proxy 127.0.0.1:11434\n"
                    + "}\n");
            Run imported = cli("keys", "import-caddy", caddyfile.toString(), "--models", "llama3*", "--state-dir", gw.stateDir.toString());
            assertThat(imported.code()).as(imported.err()).isZero();
            assertThat(imported.err()).contains("2 of 2 users imported").contains("running server accepts them now");
            String aliceId = imported.out().lines().findFirst().orElseThrow();
            Run again = cli("keys", "import-caddy", caddyfile.toString(), "--state-dir", gw.stateDir.toString());
            assertThat(again.code()).isZero();
            assertThat(again.err()).contains("Skipped alice").contains("0 of 2 users imported");

            HttpResponse<String> ok = http.send(tags(gw, basic("alice", "alice-secret")), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(http.send(tags(gw, basic("bob", "bob secret ünïcode")), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
            for (String[] bad : List.of(new String[] {"alice", "alice-secreT"}, new String[] {"bob", "alice-secret"},
                    new String[] {"mallory", "alice-secret"})) {
                HttpResponse<String> r = http.send(tags(gw, basic(bad[0], bad[1])), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(bad[0]).isEqualTo(401);
                assertThat(r.body()).contains("unauthorized");
                assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("Basic realm=\"corral\"");
            }
            // The key's model allowlist holds for Basic too.
            HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create(gw.url() + "/api/chat"))
                    .header("Authorization", basic("alice", "alice-secret")).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"qwen2.5:7b\",\"messages\":[],\"stream\":false}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(403);
            HttpResponse<String> both = http.send(HttpRequest.newBuilder(URI.create(gw.url() + "/api/tags"))
                    .header("Authorization", basic("alice", "alice-secret")).header("x-api-key", gw.inferenceKey()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(both.statusCode()).isEqualTo(400);
            String requestId = ok.headers().firstValue("X-Request-Id").orElseThrow();
            assertThat(gw.accessLog()).anyMatch(l -> l.contains(requestId) && l.contains("\"auth\":\"basic\"")
                    && l.contains("\"key_id\":\"" + aliceId + "\""));
            assertThat(gw.usage()).anyMatch(u -> u.requestId().equals(requestId) && aliceId.equals(u.keyId()) && "basic".equals(u.auth()));

            Run revoked = cli("keys", "revoke", aliceId, "--state-dir", gw.stateDir.toString());
            assertThat(revoked.code()).isZero();
            assertThat(http.send(tags(gw, basic("alice", "alice-secret")), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(401);
            String[] lines = Files.readString(gw.stateDir.resolve("audit.log")).lines().toArray(String[]::new);
            assertThat(String.join("\n", lines)).contains("\"method\":\"basic\"").doesNotContain("$2a$").doesNotContain("alice-secret");
        }
    }

    /** 200 wrong passwords at once get 401 or 429; requests with a valid key all complete meanwhile. */
    @Test
    void aFloodOfWrongPasswordsDoesNotHoldUpValidKeys() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("admission.failed_auth_burst", "100000", "auth.bcrypt_threads", "1",
                "auth.bcrypt_queue", "4"), SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            Path caddyfile = dir.resolve("Caddyfile");
            Files.writeString(caddyfile, "basic_auth {\n  carol " + bcrypt("2b", "carol-pw", 10) + "\n}\n");
            assertThat(cli("keys", "import-caddy", caddyfile.toString(), "--state-dir", gw.stateDir.toString()).code()).isZero();
            String key = gw.inferenceKey();
            HttpClient many = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                flood.add(many.sendAsync(tags(gw, basic(i % 2 == 0 ? "carol" : "nobody-" + i, "wrong-" + i)),
                        HttpResponse.BodyHandlers.ofString()));
            }
            List<CompletableFuture<HttpResponse<String>>> valid = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                valid.add(many.sendAsync(tags(gw, "Bearer " + key), HttpResponse.BodyHandlers.ofString()));
            }
            CompletableFuture.allOf(valid.toArray(CompletableFuture[]::new)).get();
            assertThat(valid).allMatch(f -> f.join().statusCode() == 200);
            CompletableFuture.allOf(flood.toArray(CompletableFuture[]::new)).get();
            assertThat(flood).allMatch(f -> f.join().statusCode() == 401 || f.join().statusCode() == 429);
            assertThat(flood).anyMatch(f -> f.join().statusCode() == 429 && f.join().headers().firstValue("Retry-After").isPresent());
            assertThat(gw.accessLog()).anyMatch(l -> l.contains("\"reason\":\"auth_busy\""));
            // Once the flood is over, the right password works.
            assertThat(http.send(tags(gw, basic("carol", "carol-pw")), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
    }
}
