package dev.corral.relay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads token counts from a response as it streams past, without holding the response: Ollama's
 * final NDJSON object ({@code prompt_eval_count}, {@code eval_count}), OpenAI's {@code usage}
 * object or chunk, Responses' {@code response.usage} and Anthropic's {@code message.usage} /
 * {@code usage} events (as Ollama's api/types.go and openai/ write them). The last value seen wins, which
 * is the final count in every format. It never changes or consumes the bytes it is shown, and a
 * response it cannot parse only turns it off: the tap never breaks the stream.
 */
public final class UsageTap {
    private static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_LINE = 1 << 20;

    /** JSON: one document, parsed as it streams; NDJSON and SSE: read line by line. */
    private enum Mode { JSON, NDJSON, SSE, OFF }

    private Mode mode;
    private JsonParser streamParser;
    private final List<String> path = new ArrayList<>();
    private long prompt = -1;
    private long completion = -1;
    private int events;
    private boolean error;
    private int parsedLines;

    private static final byte[] NO_LINE = new byte[0];
    /** Taps nothing; shared, as a tap that is off never changes. */
    private static final UsageTap NONE = new UsageTap(Mode.OFF);

    private byte[] line = NO_LINE; // grows at the first line
    private int lineLength;
    private boolean lineOverflow;

    private UsageTap(Mode mode) {
        this.mode = mode;
    }

    /** A tap that reads nothing: for answers that hold no token counts (model listings, versions). */
    public static UsageTap none() {
        return NONE;
    }

    /** A tap for a response of this content type: JSON and NDJSON are parsed, SSE read by event. */
    public static UsageTap forContentType(String contentType) {
        String t = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (t.startsWith("text/event-stream")) {
            return new UsageTap(Mode.SSE);
        }
        if (t.startsWith("application/x-ndjson")) {
            return new UsageTap(Mode.NDJSON);
        }
        if (t.startsWith("application/json")) {
            return new UsageTap(Mode.JSON);
        }
        return new UsageTap(Mode.OFF);
    }

    public long promptTokens() {
        return prompt;
    }

    public long completionTokens() {
        return completion;
    }

    /** JSON objects (NDJSON lines, SSE data events) seen so far. */
    public int events() {
        return events;
    }

    /** Lines of NDJSON or SSE that were parsed because they could hold a count (the others only counted). */
    int parsedLines() {
        return parsedLines;
    }

    /** True when a top-level {"error": ...} went by (a mid-stream error line). */
    public boolean sawError() {
        return error;
    }

    /** Looks at the readable bytes of {@code buf} without moving its indexes. */
    public void feed(ByteBuf buf) {
        if (mode == Mode.OFF || !buf.isReadable()) {
            return;
        }
        try {
            if (mode == Mode.JSON) {
                for (ByteBuffer nio : buf.nioBuffers()) {
                    feedJson(nio);
                }
            } else {
                feedLines(buf);
            }
        } catch (IOException | RuntimeException e) {
            mode = Mode.OFF;
            closeParser();
        }
    }

    /** Reads a last line that had no newline after it, then lets go of the parser. Read counts after this. */
    public void close() {
        if ((mode == Mode.NDJSON || mode == Mode.SSE) && lineLength > 0) {
            try {
                endLine();
            } catch (IOException | RuntimeException e) {
                mode = Mode.OFF;
            }
        }
        closeParser();
    }

    private void feedJson(ByteBuffer nio) throws IOException {
        if (streamParser == null) {
            streamParser = JSON.createNonBlockingByteBufferParser();
        }
        ((ByteBufferFeeder) streamParser.getNonBlockingInputFeeder()).feedInput(nio);
        drain(streamParser);
    }

    private void drain(JsonParser p) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
            switch (t) {
                case START_OBJECT, START_ARRAY -> {
                    String name = p.currentName();
                    path.add(name == null ? "" : name);
                }
                case END_OBJECT, END_ARRAY -> {
                    if (!path.isEmpty()) {
                        path.remove(path.size() - 1);
                    }
                    if (path.isEmpty() && t == JsonToken.END_OBJECT) {
                        events++;
                    }
                }
                case VALUE_NUMBER_INT -> number(p.currentName(), p.getLongValue());
                case VALUE_STRING, VALUE_NULL, VALUE_TRUE, VALUE_FALSE, VALUE_NUMBER_FLOAT -> {
                    if (path.size() == 1 && "error".equals(p.currentName()) && t == JsonToken.VALUE_STRING) {
                        error = true;
                    }
                }
                default -> { }
            }
            if (t == JsonToken.START_OBJECT && path.size() == 2 && "error".equals(path.get(1))) {
                error = true;
            }
        }
    }

    /** Applies one integer field, if it is a count in one of the known places. */
    private void number(String field, long value) {
        if (field == null) {
            return;
        }
        int depth = path.size();
        if (depth == 1) {
            // Ollama native: {"done": true, "prompt_eval_count": N, "eval_count": M}
            if (field.equals("prompt_eval_count")) {
                prompt = value;
            } else if (field.equals("eval_count")) {
                completion = value;
            }
            return;
        }
        String parent = path.get(depth - 1);
        if (!parent.equals("usage")) {
            return;
        }
        // {"usage": ...} at the top, or {"response": {"usage"}} (Responses), {"message": {"usage"}} (Anthropic)
        boolean placed = depth == 2 || (depth == 3 && (path.get(1).equals("response") || path.get(1).equals("message")));
        if (!placed) {
            return;
        }
        switch (field) {
            case "prompt_tokens", "input_tokens" -> prompt = value;
            case "completion_tokens", "output_tokens" -> completion = value;
            default -> { }
        }
    }

    /**
     * Splits NDJSON and SSE into lines with bulk copies. A streamed answer is mostly token lines that
     * cannot hold a count; only a line whose bytes could name one ({@code ..._count"},
     * {@code ..._tokens"}) or an error ({@code "error"}) is parsed, so a stream costs one parse, not
     * one per token. The test is on raw bytes and errs only towards parsing: inside a JSON string a
     * quote is escaped, so {@code _tokens"} in a token's text ends the string, at worst a needless parse.
     */
    private void feedLines(ByteBuf buf) throws IOException {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            int nl = buf.indexOf(i, end, (byte) '\n');
            int stop = nl < 0 ? end : nl;
            append(buf, i, stop - i);
            if (nl < 0) {
                return;
            }
            endLine();
            i = nl + 1;
        }
    }

    private void append(ByteBuf buf, int from, int n) {
        int room = MAX_LINE - lineLength;
        if (n > room) {
            lineOverflow = true;
            n = room;
        }
        if (n <= 0) {
            return;
        }
        if (lineLength + n > line.length) {
            line = java.util.Arrays.copyOf(line, Math.min(MAX_LINE, Math.max(Math.max(256, line.length * 2), lineLength + n)));
        }
        buf.getBytes(from, line, lineLength, n);
        lineLength += n;
    }

    private void endLine() throws IOException {
        int len = lineLength;
        if (len > 0 && line[len - 1] == '\r') {
            len--;
        }
        boolean overflow = lineOverflow;
        lineLength = 0;
        lineOverflow = false;
        int start = 0;
        if (mode == Mode.SSE) {
            if (len < 5 || line[0] != 'd' || line[1] != 'a' || line[2] != 't' || line[3] != 'a' || line[4] != ':') {
                return;
            }
            start = 5;
            if (start < len && line[start] == ' ') {
                start++;
            }
            if (len - start == 6 && line[start] == '[' && line[start + 1] == 'D' && line[start + 2] == 'O'
                    && line[start + 3] == 'N' && line[start + 4] == 'E' && line[start + 5] == ']') {
                return;
            }
        }
        while (start < len && (line[start] == ' ' || line[start] == '\t')) {
            start++;
        }
        if (start == len || line[start] != '{') {
            return;
        }
        if (overflow || !mayHoldCount(line, start, len)) {
            events++; // a token line: one object, nothing to read in it
            return;
        }
        parsedLines++;
        try (JsonParser p = JSON.createParser(line, start, len - start)) {
            path.clear();
            drain(p);
        } catch (IOException e) {
            path.clear();
            if (mode == Mode.NDJSON) {
                throw e; // NDJSON that is not JSON: the stream is not what it claims; the tap turns off
            }
            // One unreadable SSE event does not stop the tap; its counts are simply not read.
        }
    }

    /** Whether the line's bytes contain a quote closing {@code _count} or {@code _tokens}, or opening {@code error"}. */
    static boolean mayHoldCount(byte[] b, int from, int to) {
        for (int k = from; k < to; k++) {
            if (b[k] != '"') {
                continue;
            }
            if (k - from >= 6 && b[k - 6] == '_' && b[k - 5] == 'c' && b[k - 4] == 'o' && b[k - 3] == 'u'
                    && b[k - 2] == 'n' && b[k - 1] == 't') {
                return true;
            }
            if (k - from >= 7 && b[k - 7] == '_' && b[k - 6] == 't' && b[k - 5] == 'o' && b[k - 4] == 'k'
                    && b[k - 3] == 'e' && b[k - 2] == 'n' && b[k - 1] == 's') {
                return true;
            }
            if (to - k > 6 && b[k + 1] == 'e' && b[k + 2] == 'r' && b[k + 3] == 'r' && b[k + 4] == 'o'
                    && b[k + 5] == 'r' && b[k + 6] == '"') {
                return true;
            }
        }
        return false;
    }

    private void closeParser() {
        if (streamParser != null) {
            try {
                streamParser.close();
            } catch (IOException ignored) {
                // nothing held but memory
            }
            streamParser = null;
        }
    }
}
