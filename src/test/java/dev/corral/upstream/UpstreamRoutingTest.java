package dev.corral.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.Corral;
import dev.corral.access.KeyHasher;
import dev.corral.access.KeyIssuer;
import dev.corral.admin.AdminClient;
import dev.corral.config.ConfigLoader;
import dev.corral.config.HostPort;
import dev.corral.config.Settings;
import dev.corral.sim.SimConfig;
import dev.corral.sim.SimRecorder;
import dev.corral.sim.Simulator;
import dev.corral.store.Scope;
import dev.corral.store.StateDir;
import dev.corral.testing.Eventually;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corral in front of two real simulators listed in upstreams: what reaches each simulator is
 * counted there, never inferred from Corral's own view.
 */
class UpstreamRoutingTest {
    static final String LLAMA = "llama3.2:3b";
    static final String QWEN = "qwen2.5:7b";

    @TempDir
    Path dir;

    final List<AutoCloseable> open = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Corral corral;
    String key;

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    Simulator sim(List<String> models, int port) throws Exception {
        Simulator s = Simulator.start(SimConfig.defaults(new HostPort("127.0.0.1", port)).withModels(models));
        open.add(s);
        return s;
    }

    /** Corral with these nodes (YAML list entries), probing at {@code interval}. */
    void corral(String interval, Map<String, String> extra, String... nodes) throws Exception {
        corral("", interval, extra, nodes);
    }

    void corral(String yaml, String interval, Map<String, String> extra, String... nodes) throws Exception {
        Path f = Files.writeString(dir.resolve("corral.yaml"), yaml + "upstreams:\n" + String.join("\n", nodes) + "\n");
        Map<String, String> o = new HashMap<>(Map.of("listen.address", "127.0.0.1:0", "admin.listen", "",
                "state_dir", dir.resolve("state").toString(), "upstream.health_interval", interval));
        o.putAll(extra);
        Settings s = new ConfigLoader(Map.of()).load(f, o);
        corral = Corral.start(s, Clock.systemUTC(), List.of());
        open.add(corral);
        key = new KeyIssuer(corral.store(), new KeyHasher(StateDir.open(s.stateDir()).serverSecret()), Clock.systemUTC())
                .create("router", EnumSet.of(Scope.INFERENCE), List.of(), null).key();
        corral.reloadKeys();
    }

    static String node(String name, Simulator sim, int slots) {
        return "  - {url: 'http://127.0.0.1:" + sim.port() + "', slots: " + slots + ", labels: {name: " + name + "}}";
    }

    JsonNode nodes() throws Exception {
        return new AdminClient(corral.adminSocket(), Duration.ofSeconds(5)).call("GET", "/admin/v1/nodes", null).body().path("nodes");
    }

    JsonNode nodeNamed(String name) throws Exception {
        for (JsonNode n : nodes()) {
            if (n.path("name").asText().equals(name)) {
                return n;
            }
        }
        throw new AssertionError("no node " + name + " in " + nodes());
    }

    boolean nodeState(String name, String field, java.util.function.Predicate<JsonNode> test) {
        try {
            return test.test(nodeNamed(name).path(field));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    HttpResponse<String> chat(String model, String... headers) throws Exception {
        return chatAsync(model, headers).join();
    }

    CompletableFuture<HttpResponse<String>> chatAsync(String model, String... headers) {
        return post("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}",
                headers);
    }

    CompletableFuture<HttpResponse<String>> post(String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + corral.address().getPort() + "/api/chat"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static long chats(SimRecorder r) {
        return r.requests().stream().filter(q -> q.uri().startsWith("/api/chat")).count();
    }

    @Test
    void requestsGoToTheNodeThatHasTheModel() throws Exception {
        Simulator a = sim(List.of(LLAMA), 0);
        Simulator b = sim(List.of(QWEN), 0);
        corral("1h", Map.of(), node("a", a, 2), node("b", b, 2));
        for (int i = 0; i < 3; i++) {
            assertThat(chat(LLAMA).statusCode()).isEqualTo(200);
            assertThat(chat(QWEN).statusCode()).isEqualTo(200);
        }
        assertThat(a.recorder().generations()).extracting(SimRecorder.Generation::model).containsOnly(LLAMA).hasSize(3);
        assertThat(b.recorder().generations()).extracting(SimRecorder.Generation::model).containsOnly(QWEN).hasSize(3);
        JsonNode na = nodeNamed("a");
        assertThat(na.path("models").toString()).contains(LLAMA).doesNotContain(QWEN);
        assertThat(na.path("requests").asLong()).isEqualTo(3);

        // A model no node has gets Ollama's own answer, from one node, once.
        HttpResponse<String> unknown = chat("nope:1b");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"error\":\"model 'nope:1b' not found\"}");
        assertThat(chats(a.recorder()) + chats(b.recorder())).isEqualTo(7);
    }

    @Test
    void aNodeThatCannotBeReachedIsFailedOverOnceAndTheRequestReachesOllamaOnce() throws Exception {
        Simulator gone = sim(List.of(LLAMA), 0);
        Simulator a = sim(List.of(LLAMA), 0);
        // Listed first: the tie goes to it; probes only at start, so only a request finds it gone.
        corral("1h", Map.of(), node("gone", gone, 1), node("a", a, 1));
        Eventually.await("first probe read the models", Duration.ofSeconds(5), () -> nodeState("gone", "models", m -> m.size() == 1));
        gone.close();
        HttpResponse<String> r = chat(LLAMA);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"done\":true");
        assertThat(chats(a.recorder())).isEqualTo(1);
        assertThat(chats(gone.recorder())).isZero();
        assertThat(nodeState("gone", "in_service", v -> !v.asBoolean())).isTrue();
        assertThat(nodeState("gone", "ejections", v -> v.asLong() == 1)).isTrue();
        assertThat(nodeState("a", "in_use", v -> v.asInt() == 0)).as("the slot moved with the request, and came back").isTrue();
        assertThat(nodeState("gone", "in_use", v -> v.asInt() == 0)).isTrue();

        // What an operator sees: corral status and the metrics, per node.
        java.io.StringWriter out = new java.io.StringWriter();
        int code = dev.corral.cli.CorralCommand.commandLine(new java.io.PrintWriter(out, true),
                new java.io.PrintWriter(new java.io.StringWriter(), true), Map.of())
                .execute("status", "--state-dir", dir.resolve("state").toString());
        assertThat(code).as("one node in service: healthy").isZero();
        assertThat(out.toString()).contains("upstream    2 nodes  reachable")
                .containsPattern("node gone +127\\.0\\.0\\.1:\\d+  EJECTED, slots 0 of 1 in use, 0 waiting, 1 models \\(1 loaded\\)"
                        + " \\(.*\\)")
                .containsPattern("node a +127\\.0\\.0\\.1:\\d+  in service, slots 0 of 1 in use");
        String metrics = dev.corral.metrics.Scrape.of(corral.adminSocket()).text();
        assertThat(metrics).contains("corral_upstream_node_up{node=\"gone\"} 0.0", "corral_upstream_node_up{node=\"a\"} 1.0",
                "corral_upstream_node_ejections_total{node=\"gone\"} 1.0", "corral_upstream_node_requests_total{node=\"a\"} 1.0",
                "corral_upstream_node_requests_total{node=\"gone\"} 1.0");
    }

    @Test
    void aRequestThatMayHaveReachedOllamaIsNeverSentAgain() throws Exception {
        Simulator slow = sim(List.of(LLAMA), 0);
        Simulator a = sim(List.of(LLAMA), 0);
        corral("1h", Map.of("upstream.first_byte_timeout", "300ms"), node("slow", slow, 1), node("a", a, 1));
        HttpResponse<String> r = chat(LLAMA, "X-Sim-First-Byte-Delay-Ms", "3000");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(chats(slow.recorder())).isEqualTo(1);
        assertThat(chats(a.recorder())).as("sent, so never sent elsewhere").isZero();
    }

    @Test
    void aStoppedNodeIsEjectedAndReadmittedWhenItAnswersAgain() throws Exception {
        Simulator a = sim(List.of(LLAMA), 0);
        Simulator b = sim(List.of(LLAMA), 0);
        int port = b.port();
        corral("100ms", Map.of(), node("a", a, 1), node("b", b, 1));
        Eventually.await("b probed", Duration.ofSeconds(5), () -> nodeState("b", "models", m -> m.size() == 1));
        b.close();
        Eventually.await("b ejected", Duration.ofSeconds(10), () -> nodeState("b", "in_service", v -> !v.asBoolean()));
        for (int i = 0; i < 3; i++) {
            assertThat(chat(LLAMA).statusCode()).isEqualTo(200);
        }
        assertThat(chats(a.recorder())).isEqualTo(3);
        Simulator back = sim(List.of(LLAMA), port);
        Eventually.await("b readmitted", Duration.ofSeconds(20), () -> nodeState("b", "in_service", JsonNode::asBoolean));
        // Both in service and idle: a tie goes to a; with a busy, b takes the next.
        CompletableFuture<HttpResponse<String>> first = chatAsync(LLAMA, "X-Sim-Tokens", "20", "X-Sim-Tokens-Per-Second", "10");
        Eventually.await("a busy", Duration.ofSeconds(5), () -> nodeState("a", "in_use", v -> v.asInt() == 1));
        assertThat(chat(LLAMA).statusCode()).isEqualTo(200);
        assertThat(chats(back.recorder())).isEqualTo(1);
        assertThat(first.join().statusCode()).isEqualTo(200);
    }

    @Test
    void eachNodeHandsOutItsOwnSlots() throws Exception {
        Simulator a = sim(List.of(LLAMA), 0);
        Simulator b = sim(List.of(LLAMA), 0);
        corral("1h", Map.of(), node("a", a, 1), node("b", b, 1));
        String[] slow = {"X-Sim-Tokens", "30", "X-Sim-Tokens-Per-Second", "10"};
        CompletableFuture<HttpResponse<String>> one = chatAsync(LLAMA, slow);
        Eventually.await("a's slot taken", Duration.ofSeconds(5), () -> nodeState("a", "in_use", v -> v.asInt() == 1));
        CompletableFuture<HttpResponse<String>> two = chatAsync(LLAMA, slow);
        Eventually.await("b's slot taken", Duration.ofSeconds(5), () -> nodeState("b", "in_use", v -> v.asInt() == 1));
        CompletableFuture<HttpResponse<String>> three = chatAsync(LLAMA);
        Eventually.await("the third waits for a slot", Duration.ofSeconds(5),
                () -> nodeState("a", "waiting", v -> v.asInt() == 1) || nodeState("b", "waiting", v -> v.asInt() == 1));
        assertThat(chats(a.recorder()) + chats(b.recorder())).as("no node runs more than its slots").isEqualTo(2);
        assertThat(one.join().statusCode()).isEqualTo(200);
        assertThat(two.join().statusCode()).isEqualTo(200);
        assertThat(three.join().statusCode()).isEqualTo(200);
        assertThat(chats(a.recorder())).isEqualTo(chats(b.recorder()) == 1 ? 2 : 1);
        assertThat(chats(a.recorder()) + chats(b.recorder())).isEqualTo(3);
    }

    AdminClient.Response admin(String method, String path, JsonNode body) throws Exception {
        return new AdminClient(corral.adminSocket(), Duration.ofSeconds(10)).call(method, path, body);
    }

    static List<String> tagged(JsonNode models) {
        List<String> out = new ArrayList<>();
        models.forEach(m -> out.add(m.path("name").asText() + "@" + m.path("node").asText()));
        return out;
    }

    static long pulls(Simulator s) {
        return s.recorder().requests().stream().filter(q -> q.uri().equals("/api/pull")).count();
    }

    @Test
    void adminModelCallsNameANodeOrApplyToAll() throws Exception {
        Simulator a = sim(List.of(LLAMA, QWEN), 0);
        Simulator b = sim(List.of(LLAMA), 0);
        corral("1h", Map.of(), node("a", a, 1), node("b", b, 1));
        var json = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;

        assertThat(tagged(admin("GET", "/admin/v1/models", null).body().path("models")))
                .containsExactlyInAnyOrder(LLAMA + "@a", QWEN + "@a", LLAMA + "@b");
        assertThat(admin("GET", "/admin/v1/models?node=b", null).body().path("models")).hasSize(1);
        AdminClient.Response unknown = admin("GET", "/admin/v1/models?node=c", null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.error()).isEqualTo("no node named 'c' (nodes: a, b)");

        AdminClient.Response pulled = dev.corral.admin.AdminStreamClient.call(corral.adminSocket(), "POST",
                "/admin/v1/models/pull?node=b", json.objectNode().put("model", QWEN), l -> true);
        assertThat(pulled.status()).isEqualTo(200);
        assertThat(pulls(b)).isEqualTo(1);
        assertThat(pulls(a)).isZero();
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        AdminClient.Response everywhere = dev.corral.admin.AdminStreamClient.call(corral.adminSocket(), "POST",
                "/admin/v1/models/pull", json.objectNode().put("model", QWEN), l -> seen.add(l.path("node").asText() + ":"
                        + l.path("status").asText()));
        assertThat(everywhere.status()).isEqualTo(200);
        assertThat(seen).as("one node after the other, each line naming its node").startsWith("a:pulling manifest")
                .contains("a:success", "b:pulling manifest").endsWith("b:success");
        assertThat(seen.indexOf("a:success")).isLessThan(seen.indexOf("b:pulling manifest"));
        assertThat(pulls(a)).isEqualTo(1);
        assertThat(pulls(b)).isEqualTo(2);
        assertThat(java.nio.file.Files.readString(dir.resolve("state/audit.log")))
                .contains("\"node\":\"a\"").contains("\"node\":\"b\"").contains("model.pull");

        AdminClient.Response copied = admin("POST", "/admin/v1/models/copy?node=a",
                json.objectNode().put("source", LLAMA).put("destination", "mine:1"));
        assertThat(copied.status()).isEqualTo(200);
        assertThat(copied.body().path("nodes").toString()).isEqualTo("{\"a\":\"ok\"}");

        AdminClient.Response deleted = admin("DELETE", "/admin/v1/models/" + LLAMA, null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.body().path("nodes").toString()).isEqualTo("{\"a\":\"ok\",\"b\":\"ok\"}");
        assertThat(tagged(admin("GET", "/admin/v1/models", null).body().path("models")))
                .containsExactlyInAnyOrder(QWEN + "@a", "mine:1@a", QWEN + "@b");
        AdminClient.Response again = admin("DELETE", "/admin/v1/models/" + LLAMA, null);
        assertThat(again.status()).as("no node had it: Ollama's own answer").isEqualTo(404);
        assertThat(again.error()).isEqualTo("model '" + LLAMA + "' not found");
    }

    @Test
    void aPinnedModelWhoseDigestDiffersOnAnyNodeIsRefused() throws Exception {
        Simulator a = sim(List.of(LLAMA), 0);
        Simulator b = sim(List.of(LLAMA), 0);
        corral("policy:\n  pin_check_interval: 1s\n  pins:\n    " + LLAMA + ": " + a.digest(LLAMA) + "\n", "1h", Map.of(),
                node("a", a, 1), node("b", b, 1));
        assertThat(chat(LLAMA).statusCode()).isEqualTo(200);
        assertThat(b.setDigest(LLAMA, "0".repeat(64))).isTrue();
        // Requests go to a (listed first, idle), whose digest is the pin: b's drift alone refuses the model.
        Eventually.await("the drift on b is seen", Duration.ofSeconds(10), () -> {
            try {
                return chat(LLAMA).statusCode() == 409;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(chats(b.recorder())).isZero();
    }
}
