package dev.corral.metrics;

import dev.corral.pipeline.Outcome;
import dev.corral.route.Route;
import dev.corral.route.RouteClass;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One route's meters, made the first time each is needed and then found again without building a
 * name, a tag list or a key object: requests by (outcome, status) in an array, durations, and the
 * GenAI meters of each model the route ran. Several event loops share it; a meter two loops make at
 * once is the same meter (the registry hands back the one it has), so a lost race costs nothing.
 */
final class RouteMeters {
    /** Status codes 0..599 have their own slot (0: no response was sent); anything else is "other". */
    private static final int STATUSES = 600;
    private static final Outcome[] OUTCOMES = Outcome.values();

    /** Request durations, in seconds: from the gateway's own sub-millisecond refusals to long generations. */
    static final Duration[] DURATION_SLOS = seconds(0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64,
            1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 300);

    final String name;
    /** gen_ai.operation.name, for inference routes; null for the others. */
    final String operation;
    private final MeterRegistry registry;
    private final AtomicReferenceArray<Counter> requests = new AtomicReferenceArray<>(OUTCOMES.length * (STATUSES + 1));
    private final Timer duration;
    private volatile Timer firstByte;
    private final ConcurrentHashMap<String, ModelMeters> models = new ConcurrentHashMap<>();

    RouteMeters(MeterRegistry registry, Route route) {
        this.registry = registry;
        this.name = route == null ? "none" : route.name();
        this.operation = route != null && route.routeClass() == RouteClass.INFERENCE ? GenAi.operation(route) : null;
        this.duration = Timer.builder("corral.request.duration")
                .description("Time from a request's arrival to the end of its answer (or of the exchange)")
                .tag("route", name).serviceLevelObjectives(DURATION_SLOS).register(registry);
    }

    Counter requests(Outcome outcome, int status) {
        int s = status >= 0 && status < STATUSES ? status : STATUSES;
        int i = outcome.ordinal() * (STATUSES + 1) + s;
        Counter c = requests.get(i);
        if (c == null) {
            c = Counter.builder("corral.requests").description("Requests served, by route, final status and outcome")
                    .tag("route", name).tag("status", s == STATUSES ? LabelCap.OTHER : Integer.toString(s))
                    .tag("outcome", outcome.code()).register(registry);
            requests.set(i, c);
        }
        return c;
    }

    Timer duration() {
        return duration;
    }

    /** Time to Ollama's response head; made on the route's first answer from Ollama. */
    Timer firstByte() {
        Timer t = firstByte;
        if (t == null) {
            t = Timer.builder("corral.upstream.first_byte")
                    .description("Time from a request's arrival to Ollama's response head (queue wait included)")
                    .tag("route", name).serviceLevelObjectives(DURATION_SLOS).register(registry);
            firstByte = t;
        }
        return t;
    }

    /** The GenAI meters of a model seen before on this route, or null. */
    ModelMeters cachedModel(String model) {
        return models.get(model);
    }

    /** The GenAI meters of {@code label} (a model name as the cap kept it, or "other"); inference routes only. */
    ModelMeters model(String label) {
        return models.computeIfAbsent(label, k -> new ModelMeters(registry, operation, k));
    }

    private static Duration[] seconds(double... s) {
        Duration[] d = new Duration[s.length];
        for (int i = 0; i < s.length; i++) {
            d[i] = Duration.ofNanos(Math.round(s[i] * 1e9));
        }
        return d;
    }

    static Duration[] secondsOf(double[] s) {
        return seconds(s);
    }
}
