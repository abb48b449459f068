package dev.corral.metrics;

import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.ExchangeListener;
import dev.corral.pipeline.Outcome;
import dev.corral.pipeline.Tally;
import dev.corral.route.Route;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The settle listener that counts each finished exchange: requests by route, status and outcome;
 * refusals and failures by reason; durations; and, for admitted inference requests, tokens by key
 * and model and the GenAI histograms by model.
 *
 * <p>It runs on the connection's event loop, once per request, so the common case does a few map
 * and array lookups on strings the request already holds and increments what it finds: meters are
 * made once per distinct label set and cached, no names or tag lists are built per request.
 *
 * <p>Labels stay bounded: routes come from the route table ("none" when no route matched), statuses
 * are numbers below 600, reasons are Corral's own codes, keys are the store's, and models are those
 * of admitted requests only (policy let them through). Each of reason, key and model also has a
 * {@link LabelCap} in case that stops being true. No path, client address or request id is a label.
 */
public final class ExchangeMetrics implements ExchangeListener {
    static final int MAX_REASONS = 128;
    static final int MAX_KEYS = 4096;
    static final int MAX_MODELS = 64;

    private static final Outcome[] OUTCOMES = Outcome.values();

    private final MeterRegistry registry;
    private final LabelCap reasonCap;
    private final LabelCap keyCap;
    private final LabelCap modelCap;
    private final RouteMeters noRoute;
    private final ConcurrentHashMap<String, RouteMeters> routes = new ConcurrentHashMap<>();
    /** Per outcome: reason code → counter. Only kept codes are map keys; the rest share one "other" counter. */
    @SuppressWarnings("unchecked")
    private final ConcurrentHashMap<String, Counter>[] reasons = new ConcurrentHashMap[OUTCOMES.length];
    /** key id → model → {input, output} token counters. Only kept keys and models are map keys. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Counter[]>> tokens = new ConcurrentHashMap<>();

    ExchangeMetrics(MeterRegistry registry) {
        this(registry, MAX_REASONS, MAX_KEYS, MAX_MODELS);
    }

    ExchangeMetrics(MeterRegistry registry, int maxReasons, int maxKeys, int maxModels) {
        this.registry = registry;
        // Corral's reason codes are snake_case words ("auth_unknown", "rate_limit_rpm"); key ids are
        // 12 lower-case letters and digits; model names as Inspect accepts them (letters, digits, . _ - : /).
        this.reasonCap = new LabelCap(maxReasons, Pattern.compile("[a-z][a-z0-9_]{0,47}"));
        this.keyCap = new LabelCap(maxKeys, Pattern.compile("[A-Za-z0-9_-]{1,64}"));
        this.modelCap = new LabelCap(maxModels, Pattern.compile("[A-Za-z0-9._:/-]{1,200}"));
        this.noRoute = new RouteMeters(registry, null);
        for (int i = 0; i < reasons.length; i++) {
            reasons[i] = new ConcurrentHashMap<>();
        }
    }

    @Override
    public void onComplete(Exchange e) {
        Tally t = e.tally();
        Outcome outcome = t.outcome();
        RouteMeters route = route(e.route());
        route.requests(outcome, t.status()).increment();
        route.duration().record(t.durationNanos(), TimeUnit.NANOSECONDS);
        if (t.firstByteNanos() >= 0) {
            route.firstByte().record(t.firstByteNanos(), TimeUnit.NANOSECONDS);
        }
        if (t.reason() != null && outcome != Outcome.COMPLETED) {
            reason(outcome, t.reason()).increment();
        }
        // Models and keys only of admitted requests: a refused request can name any model it likes.
        if (route.operation != null && e.ticket() != null && e.model() != null && outcome != Outcome.REFUSED) {
            inference(e, t, outcome, route);
        }
    }

    private void inference(Exchange e, Tally t, Outcome outcome, RouteMeters route) {
        String model = e.model();
        ModelMeters m = route.cachedModel(model);
        if (m == null) {
            m = route.model(modelLabel(model, t.status()));
        }
        m.duration(outcome, t.status()).record(t.durationNanos(), TimeUnit.NANOSECONDS);
        // A whole (non-streamed) answer's head comes with its last token: that is no time to the first.
        if (e.stream() && t.firstByteNanos() >= 0 && t.status() >= 200 && t.status() < 300) {
            m.firstToken().record(t.firstByteNanos(), TimeUnit.NANOSECONDS);
        }
        long in = t.promptTokens();
        long out = t.completionTokens();
        if (in < 0 && out < 0) {
            return; // Ollama reported no counts (an error, or a stream cut short): nothing to count
        }
        Counter[] perKey = keyTokens(e.ticket().keyId(), model);
        if (in >= 0) {
            m.input.record(in);
            perKey[0].increment(in);
        }
        if (out >= 0) {
            m.output.record(out);
            perKey[1].increment(out);
        }
    }

    /**
     * A model takes one of the capped label values only once Ollama has answered for it with success:
     * a key allowed every model could otherwise use them all up with names Ollama does not have
     * (each answered 404), and the real models that came later would all be "other".
     */
    private String modelLabel(String model, int status) {
        return status >= 200 && status < 300 ? modelCap.apply(model) : modelCap.keptOrOther(model);
    }

    /** The key label's cap, shared with the in-flight gauge so both put the same keys under "other". */
    LabelCap keyCap() {
        return keyCap;
    }

    private RouteMeters route(Route r) {
        if (r == null) {
            return noRoute;
        }
        RouteMeters m = routes.get(r.name());
        if (m == null) {
            // The route table is fixed and small: every route may have its meters.
            m = routes.computeIfAbsent(r.name(), k -> new RouteMeters(registry, r));
        }
        return m;
    }

    private Counter reason(Outcome outcome, String reason) {
        ConcurrentHashMap<String, Counter> byReason = reasons[outcome.ordinal()];
        Counter c = byReason.get(reason);
        if (c != null) {
            return c;
        }
        String label = reasonCap.apply(reason);
        c = reasonCounter(outcome, label);
        if (!LabelCap.OTHER.equals(label)) {
            byReason.putIfAbsent(reason, c);
        }
        return c;
    }

    private Counter reasonCounter(Outcome outcome, String label) {
        if (outcome == Outcome.REFUSED) {
            return Counter.builder("corral.refusals").description("Requests Corral refused, by its reason code")
                    .tag("reason", label).register(registry);
        }
        return Counter.builder("corral.request.errors")
                .description("Requests that ended otherwise than completed or refused, by outcome and reason code")
                .tag("outcome", outcome.code()).tag("reason", label).register(registry);
    }

    private Counter[] keyTokens(String keyId, String model) {
        ConcurrentHashMap<String, Counter[]> byModel = tokens.get(keyId);
        Counter[] c = byModel == null ? null : byModel.get(model);
        if (c != null) {
            return c;
        }
        String key = keyCap.apply(keyId);
        String m = modelLabel(model, 200); // Ollama counted tokens: it ran the model
        c = new Counter[] {tokenCounter(key, m, "input"), tokenCounter(key, m, "output")};
        if (!LabelCap.OTHER.equals(key) && !LabelCap.OTHER.equals(m)) {
            tokens.computeIfAbsent(keyId, k -> new ConcurrentHashMap<>()).putIfAbsent(model, c);
        }
        return c;
    }

    private Counter tokenCounter(String key, String model, String type) {
        return Counter.builder("corral.tokens").description("Tokens Ollama counted, by key, model and input or output")
                .tag("key_id", key).tag(GenAi.MODEL, model).tag(GenAi.TOKEN_TYPE, type).register(registry);
    }
}
