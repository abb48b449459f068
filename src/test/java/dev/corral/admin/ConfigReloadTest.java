package dev.corral.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.Corral;
import dev.corral.access.KeyHasher;
import dev.corral.access.KeyIssuer;
import dev.corral.config.ConfigLoader;
import dev.corral.config.ConfigSource;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.sim.SimRecorder;
import dev.corral.sim.Simulator;
import dev.corral.store.KeyLimits;
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
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloading the configuration of a running server: under load with no failed request, limits applied
 * to new requests at once, a bad file rejected while the running configuration stays, fields that
 * need a restart said and kept, a changed file picked up by itself, every reload audited.
 */
class ConfigReloadTest {
    @TempDir
    Path dir;

    static final HttpClient HTTP = HttpClient.newHttpClient();

    static int generate(int port, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/generate"))
                .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.2:3b\",\"prompt\":\"x\",\"stream\":false}")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void aReloadAppliesToNewRequestsWithoutFailingAnyInFlightAndABadFileChangesNothing() throws Exception {
        try (Simulator sim = Simulator.start(SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            Path file = dir.resolve("corral.yaml");
            String base = "admission:\n  upstream_concurrency: 4\n  key_defaults:\n    rpm: %s\n    concurrency: 0\n";
            Files.writeString(file, base.formatted("0"));
            Map<String, String> o = Map.of("listen.address", "127.0.0.1:0", "admin.listen", "127.0.0.1:0",
                    "state_dir", dir.resolve("state").toString(), "upstream.url", "http://127.0.0.1:" + sim.port(),
                    "upstream.health_interval", "1h");
            ConfigLoader loader = new ConfigLoader(Map.of());
            try (Corral c = Corral.start(loader.load(file, o), Clock.systemUTC(), List.of(), ConfigSource.of(loader, file, o))) {
                int port = c.address().getPort();
                String key = new KeyIssuer(c.store(), new KeyHasher(StateDir.open(dir.resolve("state")).serverSecret()),
                        Clock.systemUTC()).create("load", EnumSet.of(Scope.INFERENCE), List.of(), null, KeyLimits.DEFAULTS).key();
                c.reloadKeys();
                AdminClient admin = new AdminClient(c.adminSocket(), Duration.ofSeconds(10));

                // load from four clients while the configuration is reloaded again and again
                AtomicBoolean stop = new AtomicBoolean();
                ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
                List<Thread> clients = new java.util.ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    Thread th = new Thread(() -> {
                        while (!stop.get()) {
                            try {
                                statuses.add(generate(port, key));
                            } catch (Exception e) {
                                statuses.add(-1);
                            }
                        }
                    });
                    th.start();
                    clients.add(th);
                }
                for (int i = 0; i < 10; i++) {
                    Files.writeString(file, base.formatted("0") + "limits:\n  body_timeout: " + (30 + i) + "s\n");
                    assertThat(admin.call("POST", "/admin/v1/config/reload", null).body().path("applied").asBoolean()).isTrue();
                }
                stop.set(true);
                for (Thread th : clients) {
                    th.join();
                }
                assertThat(statuses).isNotEmpty().containsOnly(200);

                // a limit applies to new requests at once
                Files.writeString(file, base.formatted("1"));
                JsonNode r = admin.call("POST", "/admin/v1/config/reload", null).body();
                assertThat(r.path("changed").toString()).contains("admission.keyDefaults.rpm");
                assertThat(generate(port, key)).isEqualTo(200);
                assertThat(generate(port, key)).isEqualTo(429);

                // a bad file: refused with the field named, the running configuration stays
                Files.writeString(file, "admission:\n  queue_size: many\n");
                AdminClient.Response bad = admin.call("POST", "/admin/v1/config/reload", null);
                assertThat(bad.status()).isEqualTo(400);
                assertThat(bad.body().path("error").asText()).contains("admission.queue_size");
                assertThat(c.settings().admission().keyDefaults().rpm()).isEqualTo(1);

                // what needs a restart is said and kept
                Files.writeString(file, base.formatted("0") + "metrics:\n  enabled: " + !c.settings().metrics().enabled()
                        + "\nupstream:\n  first_byte_timeout: 2m\n");
                boolean metricsBefore = c.settings().metrics().enabled();
                JsonNode later = admin.call("POST", "/admin/v1/config/reload", null).body();
                assertThat(later.path("restart_needed").toString()).contains("metrics.enabled")
                        .doesNotContain("firstByteTimeout");
                assertThat(c.settings().metrics().enabled()).isEqualTo(metricsBefore); // kept
                assertThat(c.settings().upstream().firstByteTimeout()).isEqualTo(Duration.ofMinutes(2)); // applied
                assertThat(generate(port, key)).isEqualTo(200);

                // a changed file is picked up by itself
                Files.writeString(file, base.formatted("7"));
                Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
                Eventually.await("the file change to be applied", Duration.ofSeconds(10),
                        () -> c.settings().admission().keyDefaults().rpm() == 7);

                // every reload is audited, rejected ones too
                String log = Files.readString(dir.resolve("state").resolve("audit.log"));
                assertThat(log).contains("\"config.reload\"").contains("\"config.reject\"");
                assertThat(admin.call("GET", "/admin/v1/config", null).body().path("admission").path("key_defaults")
                        .path("rpm").asText()).isEqualTo("7");
            }
        }
    }

    @Test
    void aReloadThatMovesOllamaSendsNewRequestsThereWhileAStreamOnTheOldOneFinishes() throws Exception {
        try (Simulator a = Simulator.start(SimConfig.defaults(new HostPort("127.0.0.1", 0)).withTokens(40).withTokensPerSecond(20));
             Simulator b = Simulator.start(SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            Path file = dir.resolve("corral.yaml");
            Files.writeString(file, "upstream:\n  url: http://127.0.0.1:" + a.port() + "\n  health_interval: 1h\n");
            Map<String, String> o = Map.of("listen.address", "127.0.0.1:0", "admin.listen", "127.0.0.1:0",
                    "state_dir", dir.resolve("state").toString());
            ConfigLoader loader = new ConfigLoader(Map.of());
            try (Corral c = Corral.start(loader.load(file, o), Clock.systemUTC(), List.of(), ConfigSource.of(loader, file, o))) {
                int port = c.address().getPort();
                String key = new KeyIssuer(c.store(), new KeyHasher(StateDir.open(dir.resolve("state")).serverSecret()),
                        Clock.systemUTC()).create("mover", EnumSet.of(Scope.INFERENCE), List.of(), null, KeyLimits.DEFAULTS).key();
                c.reloadKeys();
                AdminClient admin = new AdminClient(c.adminSocket(), Duration.ofSeconds(10));
                assertThat(generate(port, key)).isEqualTo(200);

                // a stream of 40 tokens at 20 a second is under way on A when the reload moves Ollama to B
                var streaming = HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/generate"))
                        .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.2:3b\",\"prompt\":\"x\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                Eventually.await("the stream to reach A", Duration.ofSeconds(10),
                        () -> a.recorder().requests().stream().filter(r -> r.uri().equals("/api/generate")).count() == 2);
                Files.writeString(file, "upstream:\n  url: http://127.0.0.1:" + b.port() + "\n  health_interval: 1h\n");
                JsonNode moved = admin.call("POST", "/admin/v1/config/reload", null).body();
                assertThat(moved.path("applied").asBoolean()).isTrue();
                assertThat(moved.path("changed").toString()).contains("upstream.url");
                assertThat(moved.path("restart_needed").toString()).doesNotContain("upstream");

                assertThat(generate(port, key)).isEqualTo(200);
                assertThat(b.recorder().requests()).extracting(SimRecorder.Request::uri).contains("/api/generate");
                assertThat(b.recorder().requests()).allSatisfy(r -> assertThat(r.header("host")).isEqualTo("127.0.0.1:" + b.port()));
                HttpResponse<String> finished = streaming.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(finished.statusCode()).isEqualTo(200);
                assertThat(finished.body()).contains("\"done\":true");
                assertThat(a.recorder().requests().stream().filter(r -> r.uri().equals("/api/generate")).count())
                        .as("nothing more went to A after the reload").isEqualTo(2);
                assertThat(a.recorder().cancellations()).isEmpty();
                Eventually.await("the health probe to follow Ollama", Duration.ofSeconds(10),
                        () -> {
                            try {
                                return admin.call("GET", "/admin/v1/status", null).body().path("upstream").path("url").asText()
                                        .equals("127.0.0.1:" + b.port());
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        });
                assertThat(admin.call("GET", "/admin/v1/status", null).body().path("upstream").path("reachable").asBoolean()).isTrue();
            }
        }
    }
}
