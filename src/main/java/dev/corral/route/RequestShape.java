package dev.corral.route;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * What Corral reads from one route's JSON body, as facts of the route: the Go struct Ollama decodes
 * it into, which fields name the model, which field bounds the completion tokens, whether the
 * response streams when the request does not say, and whether Corral must ask for a usage chunk.
 *
 * @param struct          the fields of Ollama's request struct that Corral models
 * @param modelFields     the fields naming the model, first non-empty wins (Ollama's {@code cmp.Or(req.Model, req.Name)})
 * @param completionLimit where the request bounds its completion tokens
 * @param streamsByDefault the response streams when "stream" is absent or null (Ollama's native routes)
 * @param usage           whether an OpenAI stream carries token counts only if asked (stream_options.include_usage),
 *                        and where they then come
 */
public record RequestShape(GoStruct struct, List<String> modelFields, CompletionLimit completionLimit,
                           boolean streamsByDefault, StreamUsage usage) {

    /** Where a streamed answer's token counts come from when the request asks for them. */
    public enum StreamUsage {
        /** Always in the answer (Ollama's final object, the Responses and Anthropic events). */
        ALWAYS,
        /** Only if asked: then one extra chunk with {@code "choices": []} before [DONE] (chat completions). */
        FINAL_CHUNK_IF_ASKED,
        /** Only if asked: then every chunk carries a zero {@code usage} and the last the real one (completions). */
        EVERY_CHUNK_IF_ASKED;

        public boolean mustAsk() {
            return this != ALWAYS;
        }
    }

    public static RequestShape of(GoStruct struct, CompletionLimit limit) {
        return new RequestShape(struct, List.of("model"), limit, false, StreamUsage.ALWAYS);
    }

    public RequestShape modelOrName() {
        return new RequestShape(struct, List.of("model", "name"), completionLimit, streamsByDefault, usage);
    }

    public RequestShape streamingByDefault() {
        return new RequestShape(struct, modelFields, completionLimit, true, usage);
    }

    public RequestShape askingForUsage(StreamUsage where) {
        return new RequestShape(struct, modelFields, completionLimit, streamsByDefault, where);
    }

    /** The model Ollama will use: the first model field that is not empty, or "". */
    public String model(GoValues v) {
        for (String f : modelFields) {
            String m = v.string(f);
            if (!m.isEmpty()) {
                return m;
            }
        }
        return "";
    }

    /** Whether the answer streams: "stream" as Go decoded it, or the route's default when it is nil or absent. */
    public boolean streams(GoValues v) {
        if (struct.type("stream") == null) {
            return false;
        }
        Boolean s = v.bool("stream");
        return s == null ? streamsByDefault : s;
    }

    /** Where a request bounds its completion tokens. */
    public record CompletionLimit(Source source, String name) {
        /** Where the bound is read from. */
        public enum Source {
            /** The route produces no completion tokens (embeddings). */
            NONE,
            /** An entry of the {@code options} map, converted as Ollama's {@code Options.FromMap} does. */
            OPTION,
            /** A top-level integer field ({@code max_tokens}, {@code max_output_tokens}). */
            FIELD,
            /** A top-level integer field Ollama requires to be positive (Anthropic's {@code max_tokens}). */
            REQUIRED_FIELD
        }

        public static final CompletionLimit NONE = new CompletionLimit(Source.NONE, null);

        public static CompletionLimit option(String name) {
            return new CompletionLimit(Source.OPTION, name);
        }

        public static CompletionLimit field(String name) {
            return new CompletionLimit(Source.FIELD, name);
        }

        public static CompletionLimit requiredField(String name) {
            return new CompletionLimit(Source.REQUIRED_FIELD, name);
        }

        /**
         * The completion tokens the request allows: 0 for routes without completions, -1 when it sets no
         * bound (or a negative one, which Ollama reads as none), else the bound.
         */
        public long read(GoValues v) throws GoJson.Refused {
            switch (source) {
                case NONE:
                    return 0;
                case OPTION: {
                    Map<String, JsonNode> options = v.map("options");
                    JsonNode n = options == null ? null : options.get(name);
                    if (n == null || n.isNull()) {
                        return -1; // FromMap skips nil values: the model's default stands
                    }
                    if (!n.isNumber()) {
                        throw new GoJson.Refused("option_type", "option \"" + name + "\" must be of type integer");
                    }
                    long bound = goInt64(n.doubleValue());
                    return bound < 0 ? -1 : bound;
                }
                case REQUIRED_FIELD: {
                    long bound = v.integer(name);
                    if (bound <= 0) {
                        throw new GoJson.Refused("max_tokens_required", name + " is required and must be positive");
                    }
                    return bound;
                }
                default: {
                    Long bound = v.integer(name);
                    return bound == null || bound < 0 ? -1 : bound;
                }
            }
        }

        /**
         * Go's {@code int64(f)} for a float64 from JSON: truncated toward zero. Beyond int64 the result is
         * platform-dependent in Go (the most negative int64 on amd64, saturated on arm64); Corral reads
         * it as the largest bound, so any token limit refuses it.
         */
        public static long goInt64(double d) {
            if (Double.isNaN(d) || d >= 0x1p63 || d < -0x1p63) {
                return Long.MAX_VALUE;
            }
            return (long) d;
        }
    }
}
