package dev.corral.metrics;

import dev.corral.pipeline.Outcome;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The OpenTelemetry GenAI meters of one (operation, model): token usage per request, the request's
 * duration, and the time to the first token. No key label here: each of these is a histogram of 15
 * to 18 series, and keys times models times buckets would grow quickly; per-key token totals are
 * plain counters ({@code corral_tokens_total}).
 */
final class ModelMeters {
    private static final Outcome[] OUTCOMES = Outcome.values();
    private static final Duration[] DURATION_SLOS = RouteMeters.secondsOf(GenAi.DURATION_BUCKETS);
    private static final Duration[] TTFT_SLOS = RouteMeters.secondsOf(GenAi.TTFT_BUCKETS);

    private final MeterRegistry registry;
    private final String operation;
    private final String model;
    final DistributionSummary input;
    final DistributionSummary output;
    /** By outcome, then (for completed answers with an error status) by status 400..599. */
    private final AtomicReferenceArray<Timer> durations = new AtomicReferenceArray<>(OUTCOMES.length + 200);
    private volatile Timer firstToken;

    ModelMeters(MeterRegistry registry, String operation, String model) {
        this.registry = registry;
        this.operation = operation;
        this.model = model;
        this.input = tokens("input");
        this.output = tokens("output");
    }

    /** @param type gen_ai.token.type: input or output */
    private DistributionSummary tokens(String type) {
        return DistributionSummary.builder(GenAi.TOKEN_USAGE)
                .description("Input and output tokens per request, as Ollama counted them")
                .tag(GenAi.OPERATION, operation).tag(GenAi.PROVIDER, GenAi.OLLAMA).tag(GenAi.MODEL, model)
                .tag(GenAi.TOKEN_TYPE, type)
                .serviceLevelObjectives(GenAi.TOKEN_BUCKETS).register(registry);
    }

    /**
     * The request's whole duration. error.type is the outcome when the exchange did not complete;
     * Ollama's status when it completed with an error status (the conventions' example: "500");
     * empty otherwise, which Prometheus reads as no label at all.
     */
    Timer duration(Outcome outcome, int status) {
        boolean errorStatus = outcome == Outcome.COMPLETED && status >= 400 && status < 600;
        int i = errorStatus ? OUTCOMES.length + status - 400 : outcome.ordinal();
        Timer t = durations.get(i);
        if (t == null) {
            String errorType = errorStatus ? Integer.toString(status) : outcome == Outcome.COMPLETED ? "" : outcome.code();
            t = Timer.builder(GenAi.REQUEST_DURATION)
                    .description("Inference request duration at the gateway, to the answer's last byte")
                    .tag(GenAi.OPERATION, operation).tag(GenAi.PROVIDER, GenAi.OLLAMA).tag(GenAi.MODEL, model)
                    .tag(GenAi.ERROR_TYPE, errorType).serviceLevelObjectives(DURATION_SLOS).register(registry);
            durations.set(i, t);
        }
        return t;
    }

    /**
     * Time to Ollama's response head, for streamed answers only: Ollama writes a stream's head with
     * its first chunk, so this is the time to the first token (queue wait and prompt processing
     * included). A whole answer's head comes with all of it, so it is not counted here.
     */
    Timer firstToken() {
        Timer t = firstToken;
        if (t == null) {
            t = Timer.builder(GenAi.TIME_TO_FIRST_TOKEN)
                    .description("Time to Ollama's first chunk of a successful answer, at the gateway")
                    .tag(GenAi.OPERATION, operation).tag(GenAi.PROVIDER, GenAi.OLLAMA).tag(GenAi.MODEL, model)
                    .serviceLevelObjectives(TTFT_SLOS).register(registry);
            firstToken = t;
        }
        return t;
    }
}
