package dev.corral.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Gives a streaming OpenAI client exactly what it asked for when Corral asked Ollama for usage on
 * its behalf: the usage chunk ({@code "choices": []} with {@code "usage"}) is dropped, and on
 * /v1/completions, where every chunk then carries a zero {@code usage}, that field is removed.
 * Events pass byte for byte otherwise; a partial event waits for the rest.
 */
public final class HiddenUsageFilter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_EVENT = 1 << 20;

    private final boolean stripEveryChunk;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    public HiddenUsageFilter(boolean completions) {
        this.stripEveryChunk = completions;
    }

    /** The bytes to send for {@code in} (which it does not consume); at {@code last}, everything still pending. */
    public ByteBuf filter(ByteBuf in, ByteBufAllocator alloc, boolean last) {
        byte[] bytes = new byte[in.readableBytes()];
        in.getBytes(in.readerIndex(), bytes);
        pending.writeBytes(bytes);
        byte[] all = pending.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(all.length);
        int start = 0;
        for (int i = 0; i + 1 < all.length; i++) {
            int end = -1;
            if (all[i] == '\n' && all[i + 1] == '\n') {
                end = i + 2;
            } else if (i + 3 < all.length && all[i] == '\r' && all[i + 1] == '\n' && all[i + 2] == '\r' && all[i + 3] == '\n') {
                end = i + 4;
            }
            if (end > 0) {
                event(all, start, end, out);
                start = end;
                i = end - 1;
            }
        }
        pending.reset();
        if (last || all.length - start > MAX_EVENT) {
            out.write(all, start, all.length - start); // an unterminated tail passes as it is
        } else {
            pending.write(all, start, all.length - start);
        }
        byte[] result = out.toByteArray();
        return alloc.buffer(result.length).writeBytes(result);
    }

    private void event(byte[] all, int start, int end, ByteArrayOutputStream out) {
        String text = new String(all, start, end - start, StandardCharsets.UTF_8);
        int data = text.startsWith("data:") ? 0 : text.indexOf("\ndata:") + 1;
        if (data < 0 || (data == 0 && !text.startsWith("data:"))) {
            out.write(all, start, end - start);
            return;
        }
        int lineEnd = text.indexOf('\n', data);
        String payload = text.substring(data + 5, lineEnd < 0 ? text.length() : lineEnd).trim();
        if (!payload.startsWith("{")) {
            out.write(all, start, end - start);
            return;
        }
        try {
            JsonNode n = JSON.readTree(payload);
            boolean usageChunk = n.has("usage") && n.path("choices").isArray() && n.path("choices").isEmpty();
            if (usageChunk) {
                return;
            }
            if (stripEveryChunk && n instanceof ObjectNode o && o.has("usage")) {
                o.remove("usage");
                String eol = text.contains("\r\n") ? "\r\n" : "\n";
                out.writeBytes((text.substring(0, data) + "data: " + JSON.writeValueAsString(o) + eol + eol)
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
        } catch (IOException e) {
            // not JSON: pass it on unchanged
        }
        out.write(all, start, end - start);
    }
}
