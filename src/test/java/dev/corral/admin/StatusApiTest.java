package dev.corral.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.access.ApiKey;
import dev.corral.cli.CorralCommand;
import dev.corral.testing.Eventually;
import dev.corral.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a running server says about itself through the admin socket: status, the requests in flight
 * (and cancelling one, which stops Ollama's work), and usage totals equal to `corral usage`'s.
 */
class StatusApiTest {
    static TestGateway gw;
    static AdminClient admin;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start();
        admin = new AdminClient(gw.corral.adminSocket(), Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CorralCommand.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void statusSaysWhatTheServerIsDoing() throws Exception {
        JsonNode s = admin.call("GET", "/admin/v1/status", null).body();
        assertThat(s.path("upstream").path("reachable").asBoolean()).isTrue();
        assertThat(s.path("usage").path("status").asText()).isEqualTo("ok");
        assertThat(s.path("audit").path("head").asText()).hasSize(64);
        String[] cli = run("status", "--state-dir", gw.stateDir.toString());
        assertThat(cli[0]).isEqualTo("0");
        assertThat(cli[1]).contains("reachable").contains("in flight");
    }

    @Test
    void aStreamInFlightIsListedAndCancellingItStopsOllamasWork() throws Exception {
        String key = gw.inferenceKey();
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url() + "/api/generate"))
                .header("Authorization", "Bearer " + key).header("X-Sim-Tokens", "200").header("X-Sim-Tokens-Per-Second", "5")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.2:3b\",\"prompt\":\"slow\"}")).build();
        CompletableFuture<HttpResponse<String>> stream = HttpClient.newHttpClient().sendAsync(req, HttpResponse.BodyHandlers.ofString());
        JsonNode[] live = new JsonNode[1];
        Eventually.await("the stream to be live and answering", Duration.ofSeconds(10), () -> {
            try {
                live[0] = admin.call("GET", "/admin/v1/live", null).body();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return live[0].path("requests").size() == 1 && live[0].path("requests").get(0).path("state").asText().equals("answering");
        });
        JsonNode r = live[0].path("requests").get(0);
        assertThat(r.path("key_id").asText()).isEqualTo(ApiKey.idOf(key));
        assertThat(r.path("model").asText()).isEqualTo("llama3.2:3b");
        assertThat(r.path("route").asText()).isEqualTo("generate");
        assertThat(admin.call("DELETE", "/admin/v1/live/" + r.path("request_id").asText(), null).status()).isEqualTo(200);
        Eventually.await("Ollama to see the cancellation", Duration.ofSeconds(10), () -> !gw.seen().cancellations().isEmpty());
        assertThat(stream).failsWithin(Duration.ofSeconds(10));
        assertThat(admin.call("DELETE", "/admin/v1/live/0000000000000000", null).status()).isEqualTo(404);
    }

    @Test
    void usageTotalsAreTheSameThroughTheSocketAndTheCli() throws Exception {
        String key = gw.key("usage-check", dev.corral.store.KeyLimits.DEFAULTS);
        for (int i = 0; i < 3; i++) {
            gw.post("/api/chat", key, "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":false}");
        }
        gw.usage(); // every record written
        String id = ApiKey.idOf(key);
        JsonNode api = admin.call("GET", "/admin/v1/usage?since=1d&by=route&key=" + id, null).body();
        assertThat(api.path("rows").get(0).path("route").asText()).isEqualTo("chat");
        assertThat(api.path("rows").get(0).path("requests").asInt()).isEqualTo(3);
        String[] cli = run("usage", "--since", "1d", "--by", "route", "--key", id, "--format", "json",
                "--state-dir", gw.stateDir.toString());
        assertThat(cli[0]).isEqualTo("0");
        assertThat(JSON.readTree(cli[1]).path("rows")).isEqualTo(api.path("rows"));
        assertThat(admin.call("GET", "/admin/v1/usage?by=week", null).status()).isEqualTo(400);
    }
}
