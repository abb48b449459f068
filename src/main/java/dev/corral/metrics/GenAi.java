package dev.corral.metrics;

import dev.corral.route.Route;

/**
 * The names the OpenTelemetry GenAI semantic conventions give to what Corral measures, so that
 * dashboards written for them read Corral's metrics as they are. Source: "Semantic conventions for
 * generative AI metrics" (status Development), open-telemetry/semantic-conventions-genai,
 * docs/gen-ai/gen-ai-metrics.md, also published at opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-metrics/.
 *
 * <p>Micrometer's Prometheus naming writes them as OpenTelemetry's own Prometheus exporter does:
 * dots become underscores and a unit of seconds adds {@code _seconds}, so
 * {@code gen_ai.server.request.duration} is scraped as {@code gen_ai_server_request_duration_seconds};
 * the unit {@code {token}} is an annotation and adds nothing ({@code gen_ai_client_token_usage}).
 */
final class GenAi {
    private GenAi() {}

    /** Histogram, {token}: input and output tokens per request, told apart by {@link #TOKEN_TYPE}. */
    static final String TOKEN_USAGE = "gen_ai.client.token.usage";
    /** Histogram, s: "model server request duration such as time-to-last byte or last output token". */
    static final String REQUEST_DURATION = "gen_ai.server.request.duration";
    /** Histogram, s: "time to generate first token for successful responses" (queue and prefill included). */
    static final String TIME_TO_FIRST_TOKEN = "gen_ai.server.time_to_first_token";

    static final String OPERATION = "gen_ai.operation.name";
    static final String PROVIDER = "gen_ai.provider.name";
    static final String MODEL = "gen_ai.request.model";
    static final String TOKEN_TYPE = "gen_ai.token.type";
    /** Stable attribute (error.type): set only when the request ended in an error; empty otherwise. */
    static final String ERROR_TYPE = "error.type";

    /** Not one of the well-known provider values; the conventions allow a custom one. */
    static final String OLLAMA = "ollama";

    /** The buckets the conventions give for gen_ai.client.token.usage. */
    static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
        16777216, 67108864};
    /** The buckets for gen_ai.server.request.duration (and gen_ai.client.operation.duration), in seconds. */
    static final double[] DURATION_BUCKETS = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48,
        40.96, 81.92};
    /** The buckets for gen_ai.server.time_to_first_token, in seconds. */
    static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5,
        5.0, 7.5, 10.0};

    /**
     * gen_ai.operation.name for one of Ollama's inference routes: the conventions' well-known values
     * where one applies (chat, text_completion, embeddings), else a custom one.
     */
    static String operation(Route r) {
        return switch (r.name()) {
            case "chat", "openai_chat", "openai_responses", "anthropic_messages" -> "chat";
            case "generate", "openai_completions" -> "text_completion";
            case "embed", "embeddings", "openai_embeddings" -> "embeddings";
            case "openai_transcriptions" -> "transcription";
            default -> r.name();
        };
    }
}
