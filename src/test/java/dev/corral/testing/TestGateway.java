package dev.corral.testing;

import dev.corral.Corral;
import dev.corral.access.KeyHasher;
import dev.corral.access.KeyIssuer;
import dev.corral.store.Scope;
import dev.corral.config.ConfigLoader;
import dev.corral.config.HostPort;
import dev.corral.config.Settings;
import dev.corral.pipeline.ExchangeListener;
import dev.corral.sim.SimConfig;
import dev.corral.sim.SimRecorder;
import dev.corral.sim.Simulator;
import dev.corral.store.StateDir;
import dev.corral.pipeline.AccessLog;
import dev.corral.store.UsageRecord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/** A real Corral in front of a real simulator, both on ephemeral loopback ports, with a temporary SQLite store. */
public final class TestGateway implements AutoCloseable {
    public final Simulator sim;
    public final Corral corral;
    public final Path stateDir;
    private final List<String> captured;
    private final KeyIssuer issuer;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestGateway(Simulator sim, Corral corral, Path stateDir, List<String> captured, Clock clock) {
        this.captured = captured;
        this.sim = sim;
        this.corral = corral;
        this.stateDir = stateDir;
        this.issuer = new KeyIssuer(corral.store(), new KeyHasher(StateDir.open(stateDir).serverSecret()), clock);
    }

    /** A key with its own limits. */
    public String key(String name, dev.corral.store.KeyLimits limits) {
        String key = issuer.create(name, EnumSet.of(Scope.INFERENCE), List.of(), null, limits).key();
        corral.reloadKeys();
        return key;
    }

    public static TestGateway start() throws Exception {
        return start(Map.of(), SimConfig.defaults(new HostPort("127.0.0.1", 0)));
    }

    public static TestGateway start(Map<String, String> overrides, SimConfig simConfig) throws Exception {
        return start(overrides, simConfig, Clock.systemUTC());
    }

    public static TestGateway start(Map<String, String> overrides, SimConfig simConfig, Clock clock) throws Exception {
        return start(null, overrides, simConfig, clock);
    }

    /** With a config file too (for what overrides cannot say, such as lists of sections). */
    public static TestGateway start(Path configFile, Map<String, String> overrides, SimConfig simConfig, Clock clock) throws Exception {
        Simulator sim = Simulator.start(simConfig);
        // A test may bring its own state directory (a small tmpfs, a directory left by an earlier run).
        Path state = overrides.containsKey("state_dir") ? Path.of(overrides.get("state_dir"))
                : Files.createTempDirectory("corral-test-");
        Map<String, String> o = new HashMap<>();
        o.put("listen.address", "127.0.0.1:0");
        o.put("admin.listen", "127.0.0.1:0");
        o.put("upstream.url", "http://127.0.0.1:" + sim.port());
        o.put("state_dir", state.toString());
        o.put("upstream.health_interval", "1h"); // one probe at start only: tests count what reaches Ollama
        o.putAll(overrides);
        Settings settings = new ConfigLoader(Map.of()).load(configFile, o);
        List<String> lines = new CopyOnWriteArrayList<>();
        ExchangeListener capture = e -> lines.add(AccessLog.line(e));
        Corral corral;
        try {
            corral = Corral.start(settings, clock, List.of(capture));
        } catch (Exception e) {
            sim.close();
            throw e;
        }
        return new TestGateway(sim, corral, state, lines, clock);
    }

    /** Access-log lines written so far (one per finished exchange). */
    public List<String> accessLog() {
        return List.copyOf(captured);
    }

    public SimRecorder seen() {
        return sim.recorder();
    }

    public String url() {
        return "http://127.0.0.1:" + corral.address().getPort();
    }

    public int port() {
        return corral.address().getPort();
    }

    public String key(String name, Set<Scope> scopes, List<String> models, Instant expires) {
        String key = issuer.create(name, scopes, models, expires).key();
        corral.reloadKeys();
        return key;
    }

    public String inferenceKey() {
        return key("tester", EnumSet.of(Scope.INFERENCE), List.of(), null);
    }

    public HttpResponse<String> get(String path, String key) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30)).GET();
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String key, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every usage record written so far, after the writer has caught up. */
    public List<UsageRecord> usage() throws InterruptedException {
        // A client can read its whole answer before the exchange is settled (the write's listener runs
        // after the bytes left): wait for every exchange to settle, then for the writer.
        Eventually.await("every exchange settled", Duration.ofSeconds(10), () -> corral.live().size() == 0);
        if (!corral.usage().awaitFlushed(10_000)) {
            throw new AssertionError("usage writer did not catch up within 10 s");
        }
        return corral.store().usageSince(Instant.EPOCH, null);
    }

    public RawClient raw() throws IOException {
        return new RawClient("127.0.0.1", port());
    }

    @Override
    public void close() {
        corral.close();
        sim.close();
        try (Stream<Path> walk = Files.walk(stateDir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temporary directory
        }
    }
}
