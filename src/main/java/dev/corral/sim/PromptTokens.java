package dev.corral.sim;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The simulator's tokenizer: one token per whitespace-separated word, plus a fixed template cost per
 * message. Deterministic, so tests can predict the counts Ollama would report.
 */
final class PromptTokens {
    static final int PER_MESSAGE = 3;

    private PromptTokens() {}

    static int count(Formats.Kind kind, JsonNode body) {
        int n = switch (kind) {
            case GENERATE, OPENAI_COMPLETION -> words(body.path("prompt").asText("")) + words(body.path("system").asText(""));
            case CHAT, OPENAI_CHAT -> messages(body.path("messages"));
            case ANTHROPIC -> messages(body.path("messages")) + text(body.path("system"));
            case RESPONSES -> body.path("input").isArray() ? messages(body.path("input"))
                    : words(body.path("input").asText("")) + words(body.path("instructions").asText(""));
        };
        return Math.max(1, n);
    }

    /** True when a native request only loads (or unloads) the model. */
    static boolean isEmpty(Formats.Kind kind, JsonNode body) {
        if (kind == Formats.Kind.GENERATE) {
            return body.path("prompt").asText("").isEmpty() && !body.has("images");
        }
        return !body.path("messages").isArray() || body.path("messages").isEmpty();
    }

    static int words(String s) {
        int n = 0;
        boolean in = false;
        for (int i = 0; i < s.length(); i++) {
            boolean ws = Character.isWhitespace(s.charAt(i));
            if (!ws && !in) {
                n++;
            }
            in = !ws;
        }
        return n;
    }

    private static int messages(JsonNode arr) {
        int n = 0;
        for (JsonNode m : arr) {
            n += PER_MESSAGE + text(m.path("content"));
        }
        return n;
    }

    /** Content is a string, or (OpenAI, Anthropic, Responses) an array of parts with "text". */
    private static int text(JsonNode content) {
        if (content.isTextual()) {
            return words(content.asText());
        }
        int n = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                n += words(part.path("text").asText(""));
            }
        }
        return n;
    }
}
