package dev.corral.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire formats of Ollama's generation routes (shared/ollama-upstream.md): native NDJSON with
 * the counts in the final {"done": true} object; OpenAI SSE chunks ending "data: [DONE]" with the
 * usage chunk only when stream_options.include_usage asked for it (and, on /v1/completions, a zero
 * usage on every chunk); Responses and Anthropic SSE with named events and their usage events.
 */
final class Formats {
    static final ObjectMapper JSON = new ObjectMapper();

    enum Kind { GENERATE, CHAT, OPENAI_CHAT, OPENAI_COMPLETION, RESPONSES, ANTHROPIC }

    private Formats() {}

    static boolean isSse(Kind k) {
        return k != Kind.GENERATE && k != Kind.CHAT;
    }

    static String contentType(Kind k, boolean stream) {
        if (!stream) {
            return "application/json; charset=utf-8";
        }
        return isSse(k) ? "text/event-stream" : "application/x-ndjson";
    }

    /** The chunks sent before the first token. */
    static List<String> head(Kind k, Generation g) {
        List<String> out = new ArrayList<>();
        switch (k) {
            case RESPONSES -> {
                out.add(event("response.created", responseObject(g, "in_progress", false, 0).put("type", "response.created")));
                out.add(event("response.in_progress", responseObject(g, "in_progress", false, 1).put("type", "response.in_progress")));
                ObjectNode added = JSON.createObjectNode().put("type", "response.output_item.added").put("sequence_number", 2)
                        .put("output_index", 0);
                added.set("item", messageItem(g, "in_progress", ""));
                out.add(event("response.output_item.added", added));
                ObjectNode part = JSON.createObjectNode().put("type", "response.content_part.added").put("sequence_number", 3)
                        .put("item_id", "msg_" + g.id()).put("output_index", 0).put("content_index", 0);
                part.set("part", outputText(""));
                out.add(event("response.content_part.added", part));
            }
            case ANTHROPIC -> {
                ObjectNode start = JSON.createObjectNode().put("type", "message_start");
                ObjectNode msg = start.putObject("message");
                msg.put("id", "msg_" + g.id()).put("type", "message").put("role", "assistant").put("model", g.model());
                msg.putArray("content");
                msg.putNull("stop_reason");
                msg.putNull("stop_sequence");
                msg.putObject("usage").put("input_tokens", g.promptTokens()).put("output_tokens", 0);
                out.add(event("message_start", start));
                ObjectNode block = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
                block.putObject("content_block").put("type", "text").put("text", "");
                out.add(event("content_block_start", block));
                out.add(event("ping", JSON.createObjectNode().put("type", "ping")));
            }
            default -> { }
        }
        return out;
    }

    /** The chunk carrying token {@code i}. */
    static String token(Kind k, Generation g, int i, boolean includeUsage) {
        String tok = g.tokens().get(i);
        return switch (k) {
            case GENERATE -> line(base(g).put("response", tok).put("done", false));
            case CHAT -> {
                ObjectNode o = base(g);
                o.putObject("message").put("role", "assistant").put("content", tok);
                yield line(o.put("done", false));
            }
            case OPENAI_CHAT -> {
                ObjectNode o = chatChunk(g);
                ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
                choice.putObject("delta").put("role", "assistant").put("content", tok);
                choice.putNull("finish_reason");
                yield data(o);
            }
            case OPENAI_COMPLETION -> {
                ObjectNode o = completionChunk(g);
                o.putArray("choices").addObject().put("text", tok).put("index", 0).putNull("finish_reason");
                if (includeUsage) {
                    usage(o, 0, 0);
                }
                yield data(o);
            }
            case RESPONSES -> event("response.output_text.delta", JSON.createObjectNode()
                    .put("type", "response.output_text.delta").put("sequence_number", 4 + i)
                    .put("item_id", "msg_" + g.id()).put("output_index", 0).put("content_index", 0).put("delta", tok));
            case ANTHROPIC -> {
                ObjectNode o = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
                o.putObject("delta").put("type", "text_delta").put("text", tok);
                yield event("content_block_delta", o);
            }
        };
    }

    /** The chunks after the last token, carrying the counts. */
    static List<String> tail(Kind k, Generation g, boolean includeUsage) {
        List<String> out = new ArrayList<>();
        int p = g.promptTokens();
        int c = g.completionTokens();
        switch (k) {
            case GENERATE -> out.add(line(finalNative(g, base(g).put("response", ""))));
            case CHAT -> {
                ObjectNode o = base(g);
                o.putObject("message").put("role", "assistant").put("content", "");
                out.add(line(finalNative(g, o)));
            }
            case OPENAI_CHAT -> {
                ObjectNode o = chatChunk(g);
                ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
                choice.putObject("delta").put("role", "assistant").put("content", "");
                choice.put("finish_reason", openAiFinish(g));
                out.add(data(o));
                if (includeUsage) {
                    ObjectNode u = chatChunk(g);
                    u.putArray("choices");
                    usage(u, p, c);
                    out.add(data(u));
                }
                out.add("data: [DONE]\n\n");
            }
            case OPENAI_COMPLETION -> {
                ObjectNode o = completionChunk(g);
                o.putArray("choices").addObject().put("text", "").put("index", 0).put("finish_reason", openAiFinish(g));
                if (includeUsage) {
                    usage(o, 0, 0);
                }
                out.add(data(o));
                if (includeUsage) {
                    ObjectNode u = completionChunk(g);
                    u.putArray("choices");
                    usage(u, p, c);
                    out.add(data(u));
                }
                out.add("data: [DONE]\n\n");
            }
            case RESPONSES -> {
                int seq = 4 + c;
                String text = g.text();
                out.add(event("response.output_text.done", JSON.createObjectNode().put("type", "response.output_text.done")
                        .put("sequence_number", seq++).put("item_id", "msg_" + g.id()).put("output_index", 0)
                        .put("content_index", 0).put("text", text)));
                ObjectNode partDone = JSON.createObjectNode().put("type", "response.content_part.done")
                        .put("sequence_number", seq++).put("item_id", "msg_" + g.id()).put("output_index", 0)
                        .put("content_index", 0);
                partDone.set("part", outputText(text));
                out.add(event("response.content_part.done", partDone));
                ObjectNode itemDone = JSON.createObjectNode().put("type", "response.output_item.done")
                        .put("sequence_number", seq++).put("output_index", 0);
                itemDone.set("item", messageItem(g, "completed", text));
                out.add(event("response.output_item.done", itemDone));
                out.add(event("response.completed",
                        responseObject(g, "completed", true, seq).put("type", "response.completed")));
            }
            case ANTHROPIC -> {
                out.add(event("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0)));
                ObjectNode d = JSON.createObjectNode().put("type", "message_delta");
                d.putObject("delta").put("stop_reason", anthropicStop(g)).putNull("stop_sequence");
                d.putObject("usage").put("input_tokens", p).put("output_tokens", c);
                out.add(event("message_delta", d));
                out.add(event("message_stop", JSON.createObjectNode().put("type", "message_stop")));
            }
        }
        return out;
    }

    /** A mid-stream error: the status is already 200, so it travels as one more line or event. */
    static String midStreamError(Kind k, String message) {
        return switch (k) {
            case GENERATE, CHAT -> line(JSON.createObjectNode().put("error", message));
            case ANTHROPIC -> {
                ObjectNode o = JSON.createObjectNode().put("type", "error");
                o.putObject("error").put("type", "api_error").put("message", message);
                yield event("error", o);
            }
            default -> {
                ObjectNode o = JSON.createObjectNode();
                o.putObject("error").put("message", message).put("type", "api_error").putNull("param").putNull("code");
                yield data(o);
            }
        };
    }

    /** The whole answer as one object, for "stream": false. */
    static byte[] single(Kind k, Generation g) {
        int p = g.promptTokens();
        int c = g.completionTokens();
        String text = g.text();
        ObjectNode o;
        switch (k) {
            case GENERATE -> o = finalNative(g, base(g).put("response", text));
            case CHAT -> {
                o = base(g);
                o.putObject("message").put("role", "assistant").put("content", text);
                finalNative(g, o);
            }
            case OPENAI_CHAT -> {
                o = JSON.createObjectNode().put("id", "chatcmpl-" + g.id()).put("object", "chat.completion")
                        .put("created", g.created().getEpochSecond()).put("model", g.model())
                        .put("system_fingerprint", "fp_ollama");
                ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
                choice.putObject("message").put("role", "assistant").put("content", text);
                choice.put("finish_reason", openAiFinish(g));
                usage(o, p, c);
            }
            case OPENAI_COMPLETION -> {
                o = JSON.createObjectNode().put("id", "cmpl-" + g.id()).put("object", "text_completion")
                        .put("created", g.created().getEpochSecond()).put("model", g.model())
                        .put("system_fingerprint", "fp_ollama");
                o.putArray("choices").addObject().put("text", text).put("index", 0).put("finish_reason", openAiFinish(g));
                usage(o, p, c);
            }
            case RESPONSES -> o = responseObject(g, "completed", true, -1);
            case ANTHROPIC -> {
                o = JSON.createObjectNode().put("id", "msg_" + g.id()).put("type", "message").put("role", "assistant")
                        .put("model", g.model());
                o.putArray("content").addObject().put("type", "text").put("text", text);
                o.put("stop_reason", anthropicStop(g)).putNull("stop_sequence");
                o.putObject("usage").put("input_tokens", p).put("output_tokens", c);
            }
            default -> throw new IllegalArgumentException(k.name());
        }
        return bytes(o);
    }

    static byte[] bytes(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode base(Generation g) {
        return JSON.createObjectNode().put("model", g.model()).put("created_at", g.created().toString());
    }

    private static ObjectNode finalNative(Generation g, ObjectNode o) {
        o.put("done_reason", g.doneReason()).put("done", true);
        if ("stop".equals(g.doneReason()) || "length".equals(g.doneReason())) {
            if (g.path().equals("/api/generate")) {
                ArrayNode ctx = o.putArray("context");
                for (int i = 0; i < Math.min(8, g.promptTokens() + g.completionTokens()); i++) {
                    ctx.add(1000 + i);
                }
            }
            o.put("total_duration", g.totalNanos()).put("load_duration", g.loadNanos())
                    .put("prompt_eval_count", g.promptTokens()).put("prompt_eval_duration", g.promptEvalNanos())
                    .put("eval_count", g.completionTokens()).put("eval_duration", g.evalNanos());
        }
        return o;
    }

    private static ObjectNode chatChunk(Generation g) {
        return JSON.createObjectNode().put("id", "chatcmpl-" + g.id()).put("object", "chat.completion.chunk")
                .put("created", g.created().getEpochSecond()).put("model", g.model()).put("system_fingerprint", "fp_ollama");
    }

    private static ObjectNode completionChunk(Generation g) {
        return JSON.createObjectNode().put("id", "cmpl-" + g.id()).put("object", "text_completion")
                .put("created", g.created().getEpochSecond()).put("model", g.model()).put("system_fingerprint", "fp_ollama");
    }

    private static void usage(ObjectNode o, int p, int c) {
        o.putObject("usage").put("prompt_tokens", p).put("completion_tokens", c).put("total_tokens", p + c);
    }

    private static ObjectNode responseObject(Generation g, String status, boolean withOutput, int seq) {
        ObjectNode wrapper = JSON.createObjectNode();
        if (seq >= 0) {
            wrapper.put("sequence_number", seq);
        }
        ObjectNode r = seq >= 0 ? wrapper.putObject("response") : wrapper;
        r.put("id", "resp_" + g.id()).put("object", "response").put("created_at", g.created().getEpochSecond())
                .put("status", status).put("model", g.model());
        ArrayNode output = r.putArray("output");
        if (withOutput) {
            output.add(messageItem(g, "completed", g.text()));
            r.putObject("usage").put("input_tokens", g.promptTokens()).put("output_tokens", g.completionTokens())
                    .put("total_tokens", g.promptTokens() + g.completionTokens());
        } else {
            r.putNull("usage");
        }
        return wrapper;
    }

    private static ObjectNode messageItem(Generation g, String status, String text) {
        ObjectNode item = JSON.createObjectNode().put("id", "msg_" + g.id()).put("type", "message").put("status", status)
                .put("role", "assistant");
        ArrayNode content = item.putArray("content");
        if (!text.isEmpty() || status.equals("completed")) {
            content.add(outputText(text));
        }
        return item;
    }

    private static ObjectNode outputText(String text) {
        ObjectNode p = JSON.createObjectNode().put("type", "output_text").put("text", text);
        p.putArray("annotations");
        return p;
    }

    private static String openAiFinish(Generation g) {
        return "length".equals(g.doneReason()) ? "length" : "stop";
    }

    private static String anthropicStop(Generation g) {
        return "length".equals(g.doneReason()) ? "max_tokens" : "end_turn";
    }

    private static String line(ObjectNode o) {
        return new String(bytes(o), java.nio.charset.StandardCharsets.UTF_8) + "\n";
    }

    private static String data(ObjectNode o) {
        return "data: " + new String(bytes(o), java.nio.charset.StandardCharsets.UTF_8) + "\n\n";
    }

    private static String event(String name, ObjectNode o) {
        return "event: " + name + "\ndata: " + new String(bytes(o), java.nio.charset.StandardCharsets.UTF_8) + "\n\n";
    }
}
