package dev.corral.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.sim.SimRecorder;
import dev.corral.store.Scope;
import dev.corral.testing.Eventually;
import dev.corral.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * /admin/v1/models through the admin socket, against the simulator: list, show, pull with its
 * progress read line by line, delete, copy; policy refusals that Ollama never sees; a caller that
 * hangs up mid-pull cancels it at Ollama; every change in the audit log with the caller as actor.
 */
class ModelsApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestGateway gw;
    static AdminClient admin;

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start(Map.of("policy.registries", "registry.ollama.ai,models.example.com:5000,http://plain.lan:8080"),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)));
        admin = new AdminClient(gw.corral.adminSocket(), Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static ObjectNode body(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    static List<String> names(JsonNode tags) {
        return tags.path("models").findValuesAsText("name");
    }

    static String digest(String model) throws Exception {
        for (JsonNode m : admin.call("GET", "/admin/v1/models", null).body().path("models")) {
            if (m.path("name").asText().equals(model)) {
                return m.path("digest").asText();
            }
        }
        return null;
    }

    /** Every pull the simulator received. */
    static List<SimRecorder.Request> pullsSeen() {
        return gw.seen().requests().stream().filter(r -> r.uri().equals("/api/pull")).toList();
    }

    /** The audit entries for {@code action}, read as `corral audit list --format json` prints them. */
    static List<JsonNode> audited(String action) throws Exception {
        StringWriter out = new StringWriter();
        int code = dev.corral.cli.CorralCommand.commandLine(new PrintWriter(out), new PrintWriter(new StringWriter()))
                .execute("audit", "list", "--format", "json", "--state-dir", gw.stateDir.toString());
        assertThat(code).isZero();
        List<JsonNode> found = new ArrayList<>();
        JSON.readTree(out.toString()).forEach(e -> {
            if (e.path("action").asText().equals(action)) {
                found.add(e);
            }
        });
        return found;
    }

    @Test
    void modelsAreListedShownCopiedAndDeletedWithOllamasAnswers() throws Exception {
        AdminClient.Response list = admin.call("GET", "/admin/v1/models", null);
        assertThat(list.status()).isEqualTo(200);
        assertThat(names(list.body())).contains("llama3.2:3b", "qwen2.5:7b");
        assertThat(list.body().path("models").get(0).path("digest").asText()).matches("[0-9a-f]{64}");

        AdminClient.Response show = admin.call("GET", "/admin/v1/models/llama3.2:3b", null);
        assertThat(show.status()).isEqualTo(200);
        assertThat(show.body().has("details")).isTrue();
        AdminClient.Response unknown = admin.call("GET", "/admin/v1/models/nothing-here:1b", null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.error()).isEqualTo("model 'nothing-here:1b' not found");

        AdminClient.Response copied = admin.call("POST", "/admin/v1/models/copy",
                body("{\"source\":\"llama3.2:3b\",\"destination\":\"team/llama:prod\"}"));
        assertThat(copied.status()).isEqualTo(200);
        assertThat(digest("team/llama:prod")).as("a copy is the same manifest").isEqualTo(digest("llama3.2:3b"));
        assertThat(admin.call("GET", "/admin/v1/models/team/llama:prod", null).status()).as("a name with a slash")
                .isEqualTo(200);

        AdminClient.Response deleted = admin.call("DELETE", "/admin/v1/models/team/llama:prod", null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.body().path("deleted").asBoolean()).isTrue();
        assertThat(names(admin.call("GET", "/admin/v1/models", null).body())).doesNotContain("team/llama:prod");
        AdminClient.Response again = admin.call("DELETE", "/admin/v1/models/team/llama:prod", null);
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.error()).contains("not found");
        assertThat(admin.call("POST", "/admin/v1/models/copy", body("{\"source\":\"gone:1b\",\"destination\":\"x:1\"}"))
                .status()).isEqualTo(404);

        List<JsonNode> copies = audited("model.copy");
        assertThat(copies).anySatisfy(e -> {
            assertThat(e.path("target").asText()).isEqualTo("team/llama:prod");
            assertThat(e.path("details").path("source").asText()).isEqualTo("llama3.2:3b");
            assertThat(e.path("actor").asText()).startsWith("uid:");
        });
        assertThat(audited("model.delete")).hasSize(1).allSatisfy(e -> assertThat(e.path("target").asText())
                .isEqualTo("team/llama:prod"));

        // Ollama saw Corral's Host header for it, not the caller's
        SimRecorder.Request tags = gw.seen().requests().stream().filter(r -> r.uri().equals("/api/tags")).findFirst().orElseThrow();
        assertThat(tags.header("Host")).isEqualTo(gw.corral.settings().upstream().hostHeader());
    }

    @Test
    void aPullStreamsOllamasProgressLineByLineAndIsAudited() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        AdminClient.Response r = AdminStreamClient.call(gw.corral.adminSocket(), "POST", "/admin/v1/models/pull",
                body("{\"model\":\"phi3:mini\"}"), lines::add);
        assertThat(r.status()).isEqualTo(200);
        assertThat(lines.get(0).path("status").asText()).isEqualTo("pulling manifest");
        assertThat(lines.get(lines.size() - 1).path("status").asText()).isEqualTo("success");
        assertThat(lines).anySatisfy(l -> assertThat(l.path("completed").asLong()).isEqualTo(l.path("total").asLong()));
        String digest = digest("phi3:mini");
        assertThat(digest).isNotNull();

        // through another registry that policy lists, and over plain HTTP where it says so
        assertThat(AdminStreamClient.call(gw.corral.adminSocket(), "POST", "/admin/v1/models/pull",
                body("{\"model\":\"models.example.com:5000/team/coder:7b\"}"), l -> true).body().path("status").asText())
                .isEqualTo("success");
        assertThat(AdminStreamClient.call(gw.corral.adminSocket(), "POST", "/admin/v1/models/pull",
                body("{\"model\":\"plain.lan:8080/team/tiny\",\"insecure\":true}"), l -> true).status()).isEqualTo(200);
        assertThat(pullsSeen()).hasSize(3);

        List<JsonNode> pulls = audited("model.pull");
        assertThat(pulls).anySatisfy(e -> {
            assertThat(e.path("target").asText()).isEqualTo("phi3:mini");
            assertThat(e.path("actor").asText()).startsWith("uid:");
            assertThat(e.path("details").path("outcome").asText()).isEqualTo("success");
            assertThat(e.path("details").path("digest").asText()).isEqualTo(digest);
        });
        assertThat(pulls).anySatisfy(e -> {
            assertThat(e.path("target").asText()).isEqualTo("plain.lan:8080/team/tiny:latest");
            assertThat(e.path("details").path("insecure").asBoolean()).isTrue();
        });
    }

    @Test
    void policyRefusesBeforeOllamaSeesAnything() throws Exception {
        int before = pullsSeen().size();
        AdminClient.Response registry = admin.call("POST", "/admin/v1/models/pull", body("{\"model\":\"evil.example.com/ns/model\"}"));
        assertThat(registry.status()).isEqualTo(403);
        assertThat(registry.error()).contains("evil.example.com").contains("registry.ollama.ai")
                .contains("models.example.com:5000");
        AdminClient.Response insecure = admin.call("POST", "/admin/v1/models/pull", body("{\"model\":\"llama3\",\"insecure\":true}"));
        assertThat(insecure.status()).isEqualTo(403);
        assertThat(insecure.error()).contains("plain HTTP").contains("http://registry.ollama.ai");
        assertThat(admin.call("POST", "/admin/v1/models/pull",
                body("{\"model\":\"models.example.com:5000/team/coder\",\"insecure\":true}")).status())
                .as("listed, but not for plain HTTP").isEqualTo(403);
        for (String cloud : List.of("gpt-oss:120b-cloud", "gpt-oss:20b:cloud", "gpt-oss:cloud", "qwen3-coder: CLOUD ")) {
            AdminClient.Response r = admin.call("POST", "/admin/v1/models/pull", body(JSON.createObjectNode().put("model", cloud).toString()));
            assertThat(r.status()).as(cloud).isEqualTo(403);
            assertThat(r.error()).contains("cloud");
        }
        for (String bad : List.of("", "bad name", "llama3@sha256:" + "0".repeat(64), "a/b/c/d", "x:local:cloud", "evil.com/model")) {
            AdminClient.Response r = admin.call("POST", "/admin/v1/models/pull", body(JSON.createObjectNode().put("model", bad).toString()));
            assertThat(r.status()).as(bad).isEqualTo(400);
        }
        assertThat(admin.call("POST", "/admin/v1/models/pull", body("{\"model\":\"llama3\",\"stream\":false}")).error())
                .contains("body.stream: unknown field");
        assertThat(admin.call("POST", "/admin/v1/models/copy", body("{\"source\":\"llama3.2:3b\",\"destination\":\"no good\"}"))
                .status()).isEqualTo(400);
        assertThat(admin.call("POST", "/admin/v1/models/copy", body("{\"source\":\"llama3.2:3b\",\"destination\":\"x:1b-cloud\"}"))
                .status()).isEqualTo(400);
        assertThat(admin.call("GET", "/admin/v1/models/gpt-oss:120b-cloud", null).status()).isEqualTo(403);
        assertThat(pullsSeen()).as("the simulator saw none of them").hasSize(before);
        assertThat(gw.seen().requests().stream().map(SimRecorder.Request::uri)).doesNotContain("/api/copy?", "/api/show?");
    }

    @Test
    void theCallerHangingUpMidPullCancelsItAtOllama() throws Exception {
        try (TestGateway slow = TestGateway.start(Map.of(),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)).withPullPaceMs(500))) {
            List<JsonNode> lines = new ArrayList<>();
            AdminClient.Response r = AdminStreamClient.call(slow.corral.adminSocket(), "POST", "/admin/v1/models/pull",
                    body("{\"model\":\"mistral:7b\"}"), l -> {
                        lines.add(l);
                        return lines.size() < 2; // read two lines, then hang up
                    });
            assertThat(r.status()).isEqualTo(200);
            assertThat(lines).hasSize(2);
            Eventually.await("the simulator saw the pull cancelled", Duration.ofSeconds(10),
                    () -> slow.seen().cancellations().stream().anyMatch(g -> g.path().equals("/api/pull")));
            SimRecorder.Generation g = slow.seen().cancellations().get(0);
            assertThat(g.tokensSent()).isLessThan(g.completionTokens());
            AdminClient slowAdmin = new AdminClient(slow.corral.adminSocket(), Duration.ofSeconds(10));
            assertThat(names(slowAdmin.call("GET", "/admin/v1/models", null).body())).doesNotContain("mistral:7b");
            StringWriter out = new StringWriter();
            Eventually.await("the cancelled pull audited", Duration.ofSeconds(10), () -> {
                StringWriter o = new StringWriter();
                dev.corral.cli.CorralCommand.commandLine(new PrintWriter(o), new PrintWriter(new StringWriter()))
                        .execute("audit", "list", "--action", "model.pull", "--format", "json", "--state-dir", slow.stateDir.toString());
                out.getBuffer().setLength(0);
                out.write(o.toString());
                return o.toString().contains("cancelled");
            });
            assertThat(out.toString()).contains("mistral:7b");
        }
    }

    @Test
    void aReloadedRegistryListAppliesToTheNextPull(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("corral.yaml");
        java.nio.file.Files.writeString(file, "policy:\n  registries: [registry.ollama.ai]\n");
        Map<String, String> o = Map.of("listen.address", "127.0.0.1:0", "admin.listen", "off", "state_dir",
                dir.resolve("state").toString(), "upstream.url", "http://127.0.0.1:" + gw.sim.port(), "upstream.health_interval", "1h");
        dev.corral.config.ConfigLoader loader = new dev.corral.config.ConfigLoader(Map.of());
        try (dev.corral.Corral c = dev.corral.Corral.start(loader.load(file, o), java.time.Clock.systemUTC(), List.of(),
                dev.corral.config.ConfigSource.of(loader, file, o))) {
            AdminClient a = new AdminClient(c.adminSocket(), Duration.ofSeconds(20));
            ObjectNode pull = body("{\"model\":\"hf.co/team/model:q4\"}");
            assertThat(a.call("POST", "/admin/v1/models/pull", pull).status()).isEqualTo(403);
            java.nio.file.Files.writeString(file, "policy:\n  registries: [registry.ollama.ai, hf.co]\n");
            JsonNode reload = a.call("POST", "/admin/v1/config/reload", null).body();
            assertThat(reload.path("changed").toString()).contains("registries");
            assertThat(reload.path("restart_needed").toString()).doesNotContain("registries");
            assertThat(AdminStreamClient.call(c.adminSocket(), "POST", "/admin/v1/models/pull", pull, l -> true)
                    .body().path("status").asText()).isEqualTo("success");
        }
    }

    @Test
    void ollamaUnreachableIs502WithoutItsAddress() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        try (TestGateway down = TestGateway.start(Map.of("upstream.url", "http://127.0.0.1:" + port),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            AdminClient a = new AdminClient(down.corral.adminSocket(), Duration.ofSeconds(20));
            for (AdminClient.Response r : List.of(a.call("GET", "/admin/v1/models", null),
                    AdminStreamClient.call(down.corral.adminSocket(), "POST", "/admin/v1/models/pull",
                            body("{\"model\":\"llama3\"}"), l -> true))) {
                assertThat(r.status()).isEqualTo(502);
                assertThat(r.error()).contains("Ollama").doesNotContain("127.0.0.1").doesNotContain(String.valueOf(port));
            }
        }
    }

    @Test
    void thePublicListenerStillServesNoneOfIt() throws Exception {
        String key = gw.inferenceKey();
        assertThat(gw.post("/api/pull", key, "{\"model\":\"llama3\"}").statusCode()).isEqualTo(404);
        assertThat(gw.get("/admin/v1/models", key).statusCode()).isEqualTo(404);
        String adminKey = gw.key("models-admin", EnumSet.of(Scope.ADMIN), List.of(), null);
        var tcp = AdminTcpTest.admin(gw, "/admin/v1/models", adminKey);
        assertThat(tcp.statusCode()).as("over TCP with an admin key").isEqualTo(200);
        assertThat(AdminTcpTest.admin(gw, "/admin/v1/models", null).statusCode()).isEqualTo(401);
    }
}
