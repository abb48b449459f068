package dev.corral.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.access.PinPolicy;
import dev.corral.config.Pins;
import dev.corral.config.Settings;
import dev.corral.store.PinFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the manifest digests Ollama's /api/tags reports (every node's, with several), at start and every
 * policy.pin_check_interval, so pinned models are checked against what is really there; tells its
 * listener once when a pinned model drifts from its pin and once when it matches again.
 */
public final class PinWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PinWatch.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Hears of changes in the drift of pinned models. */
    public interface Listener {
        /** {@code actual} is "" when the model is not at Ollama. */
        void drifted(String model, String expected, String actual);

        void matches(String model, String digest);
    }

    private final Supplier<Settings> settings;
    private final PinFile recorded;
    private final Listener listener;
    private final ScheduledExecutorService scheduler;
    private volatile Map<String, String> observed;
    private Map<String, String> drift = Map.of();
    private HttpClient http; // used on the watch's thread (and by start) only
    private Settings.Upstream httpFor;

    /** Reads the pins `corral models pin` recorded ({@link PinFile}) in the state directory. */
    public PinWatch(Supplier<Settings> settings, Listener listener) {
        this.settings = settings;
        this.recorded = PinFile.open(settings.get().stateDir());
        this.listener = listener;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "corral-pin-watch");
            t.setDaemon(true);
            return t;
        });
    }

    /** Checks once now, then every interval (read from the settings in force at each check). */
    public PinWatch start() {
        check();
        scheduleNext();
        return this;
    }

    private void scheduleNext() {
        if (!scheduler.isShutdown()) {
            scheduler.schedule(() -> {
                check();
                scheduleNext();
            }, settings.get().pins().checkInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** /api/tags' names → digests at the last successful check, or null before one. */
    public Map<String, String> observed() {
        return observed;
    }

    /** Pinned models whose digest differs from their pin at the last check. */
    public synchronized int drifted() {
        return drift.size();
    }

    /** The pins in force: policy.pins with those recorded by `corral models pin` over them. */
    public Pins pins() {
        return settings.get().pins().merged(recorded.pins());
    }

    /** Records a pin (corral models pin) and checks at once, so a drifted model that now matches runs again. */
    public void pin(String model, String digest) {
        record(model, digest);
        check();
    }

    /** Records a pin without checking now (a pull about to bring the model: refused until a check finds it). */
    public void record(String model, String digest) {
        recorded.pin(PinPolicy.key(model), digest);
    }

    /** One check now. */
    public synchronized void check() {
        Settings s = settings.get();
        Pins pins = pins();
        if (pins.isEmpty()) {
            return; // nothing to compare: Ollama is not asked
        }
        try {
            Map<String, String> tags = new LinkedHashMap<>();
            Map<String, String> pinned = new LinkedHashMap<>();
            pins.digests().forEach((name, digest) -> pinned.put(PinPolicy.key(name), digest));
            for (Settings.Upstream at : s.upstreams().isEmpty() ? List.of(s.upstream())
                    : s.upstreams().stream().map(dev.corral.config.UpstreamNode::at).toList()) {
                // Several nodes: a model whose digest differs from its pin on any node counts as drifted
                // (fail closed: a request for it may be routed to that node).
                tags(at).forEach((name, digest) -> tags.merge(name, digest, (seen, next) ->
                        pinned.containsKey(PinPolicy.key(name)) && !next.equals(pinned.get(PinPolicy.key(name))) ? next : seen));
            }
            observed = Map.copyOf(tags);
            report(pins, tags);
        } catch (java.io.IOException | RuntimeException e) {
            log.warn("reading Ollama's model digests for policy.pins failed ({}); the last ones read stay in force", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void report(Pins pins, Map<String, String> tags) {
        Map<String, String> now = PinPolicy.drifted(pins, tags);
        Map<String, String> expected = new LinkedHashMap<>();
        pins.digests().forEach((name, digest) -> expected.put(PinPolicy.key(name), digest));
        now.forEach((model, actual) -> {
            if (!actual.equals(drift.get(model))) {
                log.warn("model {} is pinned to digest {} but Ollama has {}; it is refused until pinned again", model,
                        expected.get(model), actual.isEmpty() ? "no such model" : actual);
                listener.drifted(model, expected.get(model), actual);
            }
        });
        drift.keySet().forEach(model -> {
            if (!now.containsKey(model) && expected.containsKey(model)) {
                listener.matches(model, expected.get(model));
            }
        });
        drift = Map.copyOf(now);
    }

    private Map<String, String> tags(Settings.Upstream upstream) throws java.io.IOException, InterruptedException {
        if (http == null || !upstream.connectTimeout().equals(httpFor.connectTimeout())) { // a reload may change it
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(upstream.connectTimeout())
                    .proxy(HttpClient.Builder.NO_PROXY).followRedirects(HttpClient.Redirect.NEVER).build();
            httpFor = upstream;
        }
        HttpRequest req = HttpRequest.newBuilder(URI.create(upstream.url().toString().replaceAll("/$", "") + "/api/tags"))
                .timeout(Duration.ofSeconds(10)).header("User-Agent", "corral-pins")
                .GET().build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new java.io.IOException("GET /api/tags answered HTTP " + r.statusCode());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode m : JSON.readTree(r.body()).path("models")) {
            String name = m.path("name").asText(m.path("model").asText(""));
            if (!name.isEmpty()) {
                out.put(name, m.path("digest").asText(""));
            }
        }
        return out;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
