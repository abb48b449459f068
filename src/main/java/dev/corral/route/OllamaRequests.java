package dev.corral.route;

import static dev.corral.route.GoType.BOOL;
import static dev.corral.route.GoType.BOOL_PTR;
import static dev.corral.route.GoType.INT;
import static dev.corral.route.GoType.INT_PTR;
import static dev.corral.route.GoType.MAP;
import static dev.corral.route.GoType.RAW;
import static dev.corral.route.GoType.RAW_PTR;
import static dev.corral.route.GoType.STRING;
import static dev.corral.route.GoType.STRING_PTR;

import dev.corral.route.RequestShape.CompletionLimit;

/**
 * Ollama's request structs as Corral models them (api/types.go, openai/openai.go,
 * openai/responses.go, anthropic/anthropic.go in Ollama's source, August 2026): the fields policy,
 * limits and accounting read, and those later rules (option clamps, disclosure) will, each with its
 * Go type. The OpenAI and Anthropic routes are decoded by Ollama's middleware into these structs
 * before they become native requests, so their own fields are what count: OpenAI chat maps only
 * {@code max_tokens} to num_predict ({@code max_completion_tokens} is not a field Ollama knows).
 */
public final class OllamaRequests {
    private OllamaRequests() {}

    private static final GoStruct STREAM_OPTIONS = GoStruct.named("StreamOptions").field("include_usage", BOOL).build();
    private static final GoStruct REASONING = GoStruct.named("Reasoning").field("effort", STRING).build();
    private static final GoStruct THINKING = GoStruct.named("ThinkingConfig").field("type", STRING).build();
    private static final GoStruct OUTPUT_CONFIG = GoStruct.named("OutputConfig").field("effort", STRING).build();

    public static final RequestShape GENERATE = RequestShape.of(GoStruct.named("GenerateRequest")
            .field("model", STRING).field("stream", BOOL_PTR).field("options", MAP).field("keep_alive", RAW_PTR)
            .field("think", RAW_PTR).field("raw", BOOL).field("template", STRING).field("system", STRING)
            .field("_debug_render_only", BOOL).field("format", RAW).field("shift", BOOL_PTR).build(),
            CompletionLimit.option("num_predict")).streamingByDefault();

    public static final RequestShape CHAT = RequestShape.of(GoStruct.named("ChatRequest")
            .field("model", STRING).field("stream", BOOL_PTR).field("options", MAP).field("keep_alive", RAW_PTR)
            .field("think", RAW_PTR).field("_debug_render_only", BOOL).field("format", RAW).field("shift", BOOL_PTR)
            .build(), CompletionLimit.option("num_predict")).streamingByDefault();

    public static final RequestShape EMBED = RequestShape.of(GoStruct.named("EmbedRequest")
            .field("model", STRING).field("options", MAP).field("keep_alive", RAW_PTR).field("truncate", BOOL_PTR)
            .field("dimensions", INT).build(), CompletionLimit.NONE);

    public static final RequestShape EMBEDDINGS = RequestShape.of(GoStruct.named("EmbeddingRequest")
            .field("model", STRING).field("options", MAP).field("keep_alive", RAW_PTR).build(), CompletionLimit.NONE);

    /** /api/show: {@code model}, else the deprecated {@code name}. */
    public static final RequestShape SHOW = RequestShape.of(GoStruct.named("ShowRequest")
            .field("model", STRING).field("name", STRING).field("system", STRING).field("template", STRING)
            .field("verbose", BOOL).field("options", MAP).build(), CompletionLimit.NONE).modelOrName();

    public static final RequestShape OPENAI_CHAT = RequestShape.of(GoStruct.named("ChatCompletionRequest")
            .field("model", STRING).field("stream", BOOL).field("stream_options", GoType.structPtr(STREAM_OPTIONS))
            .field("max_tokens", INT_PTR).field("_debug_render_only", BOOL)
            .field("reasoning", GoType.structPtr(REASONING)).field("reasoning_effort", STRING_PTR).build(),
            CompletionLimit.field("max_tokens")).askingForUsage(RequestShape.StreamUsage.FINAL_CHUNK_IF_ASKED);

    public static final RequestShape OPENAI_COMPLETIONS = RequestShape.of(GoStruct.named("CompletionRequest")
            .field("model", STRING).field("stream", BOOL).field("stream_options", GoType.structPtr(STREAM_OPTIONS))
            .field("max_tokens", INT_PTR).field("_debug_render_only", BOOL).build(), CompletionLimit.field("max_tokens"))
            .askingForUsage(RequestShape.StreamUsage.EVERY_CHUNK_IF_ASKED);

    public static final RequestShape OPENAI_EMBEDDINGS = RequestShape.of(GoStruct.named("EmbedRequest")
            .field("model", STRING).field("encoding_format", STRING).field("dimensions", INT).build(), CompletionLimit.NONE);

    public static final RequestShape OPENAI_RESPONSES = RequestShape.of(GoStruct.named("ResponsesRequest")
            .field("model", STRING).field("stream", BOOL_PTR).field("max_output_tokens", INT_PTR)
            .field("reasoning", GoType.struct(REASONING)).build(),
            CompletionLimit.field("max_output_tokens"));

    public static final RequestShape ANTHROPIC_MESSAGES = RequestShape.of(GoStruct.named("MessagesRequest")
            .field("model", STRING).field("max_tokens", INT).field("stream", BOOL)
            .field("thinking", GoType.structPtr(THINKING)).field("output_config", GoType.structPtr(OUTPUT_CONFIG)).build(),
            CompletionLimit.requiredField("max_tokens"));

    /** /api/pull, /api/push: {@code model}, else the deprecated {@code name}. */
    public static final RequestShape PULL = RequestShape.of(GoStruct.named("PullRequest")
            .field("model", STRING).field("name", STRING).field("insecure", BOOL).field("stream", BOOL_PTR).build(),
            CompletionLimit.NONE).modelOrName().streamingByDefault();

    public static final RequestShape PUSH = RequestShape.of(GoStruct.named("PushRequest")
            .field("model", STRING).field("name", STRING).field("insecure", BOOL).field("stream", BOOL_PTR).build(),
            CompletionLimit.NONE).modelOrName().streamingByDefault();

    public static final RequestShape CREATE = RequestShape.of(GoStruct.named("CreateRequest")
            .field("model", STRING).field("name", STRING).field("from", STRING).field("stream", BOOL_PTR).build(),
            CompletionLimit.NONE).modelOrName().streamingByDefault();

    public static final RequestShape DELETE = RequestShape.of(GoStruct.named("DeleteRequest")
            .field("model", STRING).field("name", STRING).build(), CompletionLimit.NONE).modelOrName();
}
