package dev.corral.pipeline;

import dev.corral.refusal.Refusal;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.route.Dialect;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Renders a refusal once, in the dialect of the route the client called, as Ollama's own errors
 * look (its server, openai/ and anthropic/ packages): Ollama {@code {"error": "..."}}, OpenAI {@code {"error": {"message", "type", "param",
 * "code"}}}, Anthropic {@code {"type": "error", "error": {"type", "message"}}}.
 */
public final class ErrorResponses {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorResponses() {}

    public static byte[] body(Dialect dialect, Refusal refusal) {
        ObjectNode root = JSON.createObjectNode();
        switch (dialect) {
            case OLLAMA -> root.put("error", refusal.message());
            case OPENAI -> {
                ObjectNode e = root.putObject("error");
                e.put("message", refusal.message());
                e.put("type", refusal.kind().openAiType());
                e.putNull("param");
                e.put("code", refusal.kind().openAiCode());
            }
            case ANTHROPIC -> {
                root.put("type", "error");
                ObjectNode e = root.putObject("error");
                e.put("type", refusal.kind().anthropicType());
                e.put("message", refusal.message());
            }
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static FullHttpResponse response(ByteBufAllocator alloc, Dialect dialect, Refusal refusal, String requestId,
                                            boolean headRequest) {
        byte[] bytes = body(dialect, refusal);
        ByteBuf content = headRequest ? alloc.buffer(0) : alloc.buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, refusal.kind().status(), content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON + "; charset=utf-8");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (requestId != null) {
            r.headers().set("X-Request-Id", requestId);
        }
        refusal.headers().forEach((k, v) -> r.headers().set(k, v));
        if (refusal.close()) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }

    public static String text(Dialect dialect, Refusal refusal) {
        return new String(body(dialect, refusal), StandardCharsets.UTF_8);
    }
}
