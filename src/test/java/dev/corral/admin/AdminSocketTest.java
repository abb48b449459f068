package dev.corral.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.Corral;
import dev.corral.config.ConfigException;
import dev.corral.config.ConfigLoader;
import dev.corral.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin socket: keys made, changed and revoked through the running server take effect when the call returns. */
class AdminSocketTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestGateway gw;
    static AdminClient admin;

    @BeforeAll
    static void start() throws Exception {
        // revoked keys used on purpose count as failed attempts: keep the per-address limit out of the way
        gw = TestGateway.start(Map.of("admission.failed_auth_burst", "1000"),
                dev.corral.sim.SimConfig.defaults(new dev.corral.config.HostPort("127.0.0.1", 0)));
        admin = new AdminClient(gw.corral.adminSocket(), Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static ObjectNode body(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    @Test
    void aKeyCreatedThroughTheSocketWorksAtOnceAndARevokedOneStopsAtOnce() throws Exception {
        for (int i = 0; i < 20; i++) { // no window: every single time, the very next request
            AdminClient.Response created = admin.call("POST", "/admin/v1/keys", body("{\"name\":\"now-" + i + "\"}"));
            assertThat(created.status()).isEqualTo(201);
            String key = created.body().path("key").asText();
            assertThat(key).startsWith("crl_");
            assertThat(gw.get("/api/tags", key).statusCode()).isEqualTo(200);
            String id = created.body().path("id").asText();
            AdminClient.Response revoked = admin.call("POST", "/admin/v1/keys/" + id + "/revoke", null);
            assertThat(revoked.status()).isEqualTo(200);
            assertThat(revoked.body().path("status").asText()).isEqualTo("revoked");
            assertThat(gw.get("/api/tags", key).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void keysAreListedShownAndUpdatedWithoutEverShowingASecret() throws Exception {
        AdminClient.Response created = admin.call("POST", "/admin/v1/keys", body(
                "{\"name\":\"listed\",\"scopes\":[\"meta\"],\"models\":[\"llama3*\"],\"limits\":{\"rpm\":60}}"));
        String id = created.body().path("id").asText();
        String key = created.body().path("key").asText();
        AdminClient.Response list = admin.call("GET", "/admin/v1/keys", null);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body().toString()).contains(id).doesNotContain(key.substring(17)).doesNotContain("hmac");
        AdminClient.Response shown = admin.call("GET", "/admin/v1/keys/" + id, null);
        assertThat(shown.body().path("scopes").toString()).isEqualTo("[\"meta\"]");
        assertThat(shown.body().path("limits").path("rpm").asLong()).isEqualTo(60);
        assertThat(shown.body().has("key")).isFalse();
        AdminClient.Response updated = admin.call("PATCH", "/admin/v1/keys/" + id, body("{\"limits\":{\"rpm\":null,\"tpm\":5000}}"));
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.body().path("limits").path("rpm").isNull()).isTrue();
        assertThat(updated.body().path("limits").path("tpm").asLong()).isEqualTo(5000);
        assertThat(gw.corral.admission().limits(principal(id)).tpm()).as("in force at once").isEqualTo(5000);
        admin.call("POST", "/admin/v1/keys/" + id + "/revoke", null);

        // each change is in the audit log, with the socket's caller as the actor and no secret
        java.io.StringWriter out = new java.io.StringWriter();
        assertThat(dev.corral.cli.CorralCommand.commandLine(new java.io.PrintWriter(out), new java.io.PrintWriter(new java.io.StringWriter()))
                .execute("audit", "list", "--format", "json", "--state-dir", gw.stateDir.toString())).isZero();
        com.fasterxml.jackson.databind.JsonNode entries = JSON.readTree(out.toString());
        java.util.List<String> actions = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode e : entries) {
            if (id.equals(e.path("target").asText())) {
                actions.add(e.path("action").asText());
                assertThat(e.path("actor").asText()).startsWith("uid:");
            }
        }
        assertThat(actions).containsExactly("key.create", "key.update", "key.revoke");
        assertThat(out.toString()).doesNotContain(key.substring(17));
    }

    static dev.corral.access.Principal principal(String id) {
        var k = gw.corral.store().findKey(id).orElseThrow();
        return new dev.corral.access.Principal(k.id(), k.name(), k.scopes(), dev.corral.access.ModelPatterns.of(k.models()), k.limits());
    }

    @Test
    void badCallsGetTheRightStatusAndNameTheField() throws Exception {
        assertThat(admin.call("POST", "/admin/v1/keys", null).error()).contains("name");
        AdminClient.Response malformed = rawBody("{\"name\":");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.error()).contains("not valid JSON");
        assertThat(admin.call("POST", "/admin/v1/keys", body("{\"name\":\"x\",\"scope\":[\"meta\"]}")).error())
                .contains("body.scope: unknown field");
        assertThat(admin.call("POST", "/admin/v1/keys", body("{\"name\":\"x\",\"limits\":{\"rpm\":-1}}")).error())
                .contains("limits.rpm");
        assertThat(admin.call("POST", "/admin/v1/keys", body("{\"name\":\"x\",\"scopes\":[\"root\"]}")).error()).contains("scopes");
        assertThat(admin.call("GET", "/admin/v1/keys/zzzzzzzzzzzz", null).status()).isEqualTo(404);
        assertThat(admin.call("GET", "/admin/v1/keys/NOT-AN-ID", null).status()).isEqualTo(400);
        assertThat(admin.call("DELETE", "/admin/v1/keys", null).status()).isEqualTo(405);
        assertThat(admin.call("GET", "/admin/v1/nothing", null).status()).isEqualTo(404);
    }

    static AdminClient.Response rawBody(String text) throws Exception {
        // a body that is not JSON at all, sent as it is
        java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        ch.connect(java.net.UnixDomainSocketAddress.of(gw.corral.adminSocket()));
        byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ch.write(java.nio.ByteBuffer.wrap(("POST /admin/v1/keys HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
                + b.length + "\r\n\r\n" + text).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
        while (ch.read(buf) >= 0) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        ch.close();
        String resp = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        return new AdminClient.Response(Integer.parseInt(resp.substring(9, 12)), JSON.readTree(resp.substring(resp.indexOf("\r\n\r\n") + 4)));
    }

    @Test
    void theSocketIsOwnerAndGroupOnlyAndServesNoPublicRoutes() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(gw.corral.adminSocket()))).isEqualTo("rw-rw----");
        assertThat(admin.call("GET", "/api/tags", null).status()).isEqualTo(404);
        // and the public listener serves none of the admin API, whatever the path
        assertThat(gw.get("/admin/v1/keys", gw.inferenceKey()).statusCode()).isEqualTo(404);
    }

    @Test
    void aSecondServerOnTheSameStateDirIsRefusedAndAStaleSocketIsReplaced() throws Exception {
        var settings = new ConfigLoader(Map.of()).load(null, Map.of("listen.address", "127.0.0.1:0", "admin.listen", "127.0.0.1:0",
                "state_dir", gw.stateDir.toString(), "upstream.url", "http://127.0.0.1:" + gw.sim.port()));
        assertThatThrownBy(() -> Corral.start(settings)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("another Corral is running");
        java.nio.file.Path dir = Files.createTempDirectory("corral-stale-");
        Files.createFile(dir.resolve("admin.sock")); // what a killed server leaves behind
        var fresh = new ConfigLoader(Map.of()).load(null, Map.of("listen.address", "127.0.0.1:0", "admin.listen", "127.0.0.1:0",
                "state_dir", dir.toString(), "upstream.url", "http://127.0.0.1:" + gw.sim.port()));
        try (Corral c = Corral.start(fresh)) {
            assertThat(AdminClient.answers(c.adminSocket())).isTrue();
        }
        assertThat(Files.exists(dir.resolve("admin.sock"))).as("removed at close").isFalse();
    }
}
