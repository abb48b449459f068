package dev.corral.usage;

import dev.corral.store.UsageRecord;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;

/**
 * The usage journal's line format: one JSON object per line, ASCII only (anything else escaped as
 * {@code \\uXXXX}), so a line is readable with any JSON tool and a torn line never parses.
 *
 * <pre>
 * {"journal":"corral-usage","version":1}                       first line of every segment
 * {"begin":"&lt;request id&gt;","ts":…,"key":…,"auth":…,"route":…,"model":…,"bytes_in":…,"prompt":…,"completion":…}
 * {"end":"&lt;request id&gt;","ts":…,"key":…,"route":…,"model":…,"status":…,"outcome":…,"prompt":…,"completion":…,
 *  "duration_ms":…,"bytes_in":…,"bytes_out":…}
 * </pre>
 *
 * A begin line is written when a request is admitted; "prompt" and "completion" there are its token
 * reservation (prompt estimate, completion tokens reserved). An end line holds a whole usage record
 * ("prompt"/"completion" -1 when Ollama reported none). Begin lines are encoded on the event loop,
 * so encoding writes bytes by hand into a per-thread buffer: no JSON tree, no String.format, no
 * garbage.
 */
final class JournalCodec {
    static final byte[] HEADER = ascii("{\"journal\":\"corral-usage\",\"version\":1}\n");
    private static final byte[] BEGIN = ascii("{\"begin\":");
    private static final byte[] END = ascii("{\"end\":");
    private static final byte[] TS = ascii(",\"ts\":");
    private static final byte[] KEY = ascii(",\"key\":");
    private static final byte[] ROUTE = ascii(",\"route\":");
    private static final byte[] MODEL = ascii(",\"model\":");
    private static final byte[] STATUS = ascii(",\"status\":");
    private static final byte[] OUTCOME = ascii(",\"outcome\":");
    private static final byte[] PROMPT = ascii(",\"prompt\":");
    private static final byte[] COMPLETION = ascii(",\"completion\":");
    private static final byte[] DURATION = ascii(",\"duration_ms\":");
    private static final byte[] BYTES_IN = ascii(",\"bytes_in\":");
    private static final byte[] BYTES_OUT = ascii(",\"bytes_out\":");
    private static final byte[] AUTH = ascii(",\"auth\":");
    private static final byte[] NULL = ascii("null");
    private static final byte[] HEX = ascii("0123456789abcdef");
    /** A buffer grown past this for one huge line (a model name of a megabyte) is not kept. */
    private static final int KEEP = 16 * 1024;

    private static final ThreadLocal<JournalCodec> LOCAL = ThreadLocal.withInitial(JournalCodec::new);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS);

    private byte[] buf = new byte[512];
    private int n;

    /** This thread's encoder; its {@link #bytes} are valid until its next use. */
    static JournalCodec local() {
        return LOCAL.get();
    }

    byte[] bytes() {
        return buf;
    }

    int length() {
        return n;
    }

    /** Gives up a buffer that one huge line made large. */
    void trim() {
        if (buf.length > KEEP) {
            buf = new byte[512];
        }
    }

    JournalCodec begin(String requestId, long tsMillis, String keyId, String auth, String route, String model,
                       long bytesIn, long prompt, long completion) {
        n = 0;
        return appendBegin(requestId, tsMillis, keyId, auth, route, model, bytesIn, prompt, completion);
    }

    /** Adds one begin line after those already in the buffer (an event loop's turn). */
    JournalCodec appendBegin(String requestId, long tsMillis, String keyId, String auth, String route, String model,
                             long bytesIn, long prompt, long completion) {
        put(BEGIN);
        string(requestId);
        put(TS);
        number(tsMillis);
        put(KEY);
        string(keyId);
        put(AUTH);
        string(auth);
        put(ROUTE);
        string(route);
        put(MODEL);
        string(model);
        put(BYTES_IN);
        number(bytesIn);
        put(PROMPT);
        number(prompt);
        put(COMPLETION);
        number(completion);
        close();
        return this;
    }

    /** Encodes one end line in place of what the buffer held. */
    JournalCodec end(UsageRecord r) {
        n = 0;
        return appendEnd(r);
    }

    void clear() {
        n = 0;
    }

    /** Adds one end line after those already in the buffer (the writer thread's batches). */
    JournalCodec appendEnd(UsageRecord r) {
        put(END);
        string(r.requestId());
        put(TS);
        number(r.time().toEpochMilli());
        put(KEY);
        string(r.keyId());
        put(ROUTE);
        string(r.route());
        put(MODEL);
        string(r.model());
        put(STATUS);
        number(r.status());
        put(OUTCOME);
        string(r.outcome());
        put(PROMPT);
        number(r.promptTokens());
        put(COMPLETION);
        number(r.completionTokens());
        put(DURATION);
        number(r.durationMs());
        put(BYTES_IN);
        number(r.bytesIn());
        put(BYTES_OUT);
        number(r.bytesOut());
        put(AUTH);
        string(r.auth());
        close();
        return this;
    }

    private void close() {
        room(2);
        buf[n++] = '}';
        buf[n++] = '\n';
    }

    private void put(byte[] b) {
        room(b.length);
        System.arraycopy(b, 0, buf, n, b.length);
        n += b.length;
    }

    private void string(String s) {
        if (s == null) {
            put(NULL);
            return;
        }
        room(s.length() * 6 + 2);
        buf[n++] = '"';
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                buf[n++] = (byte) c;
            } else if (c == '"' || c == '\\') {
                buf[n++] = '\\';
                buf[n++] = (byte) c;
            } else {
                // Control characters and everything past ASCII: the line stays ASCII, and a surrogate
                // pair becomes two escapes, which JSON readers join again.
                buf[n++] = '\\';
                buf[n++] = 'u';
                buf[n++] = HEX[(c >> 12) & 0xf];
                buf[n++] = HEX[(c >> 8) & 0xf];
                buf[n++] = HEX[(c >> 4) & 0xf];
                buf[n++] = HEX[c & 0xf];
            }
        }
        buf[n++] = '"';
    }

    private void number(long v) {
        room(20);
        if (v == Long.MIN_VALUE) {
            put(ascii(Long.toString(v)));
            return;
        }
        if (v < 0) {
            buf[n++] = '-';
            v = -v;
        }
        int start = n;
        do {
            buf[n++] = (byte) ('0' + (v % 10));
            v /= 10;
        } while (v != 0);
        for (int i = start, j = n - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
    }

    private void room(int more) {
        if (n + more > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** One line read back: a begin (as the record it becomes if its end never comes) or an end. */
    record Line(boolean begin, UsageRecord record) {}

    /**
     * Parses one line (without its newline). Null for the segment header, a torn line (a crash or a
     * full disk cut it short) or anything else that is not a complete begin or end line.
     */
    static Line parse(String text) {
        JsonNode j;
        try {
            j = JSON.readTree(text);
        } catch (java.io.IOException e) {
            return null;
        }
        if (j == null || !j.isObject()) {
            return null;
        }
        boolean begin = j.has("begin");
        JsonNode id = begin ? j.get("begin") : j.get("end");
        if (id == null || !id.isTextual() || !j.path("ts").canConvertToLong() || !j.path("key").isTextual()
                || !j.path("prompt").canConvertToLong() || !j.path("completion").canConvertToLong()) {
            return null;
        }
        Instant ts = Instant.ofEpochMilli(j.get("ts").asLong());
        String route = text(j, "route");
        String model = text(j, "model");
        if (begin) {
            return new Line(true, new UsageRecord(ts, id.asText(), j.get("key").asText(), route, model,
                    UsageRecorder.INTERRUPTED_STATUS, UsageRecorder.INTERRUPTED, j.get("prompt").asLong(),
                    j.get("completion").asLong(), 0, j.path("bytes_in").asLong(0), 0, text(j, "auth")));
        }
        if (!j.path("status").canConvertToInt() || !j.path("outcome").isTextual()) {
            return null;
        }
        return new Line(false, new UsageRecord(ts, id.asText(), j.get("key").asText(), route, model,
                j.get("status").asInt(), j.get("outcome").asText(), j.get("prompt").asLong(),
                j.get("completion").asLong(), j.path("duration_ms").asLong(0), j.path("bytes_in").asLong(0),
                j.path("bytes_out").asLong(0), text(j, "auth")));
    }

    private static String text(JsonNode j, String field) {
        JsonNode v = j.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
