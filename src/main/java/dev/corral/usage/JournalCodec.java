package dev.corral.usage;

import dev.corral.store.UsageRecord;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.logging.JsonLineBuilder;
import java.nio.charset.StandardCharsets;
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
 * so they are written as bytes into a reused buffer ({@link JsonLineBuilder}, ASCII only): no JSON
 * tree, no String.format, no garbage.
 */
final class JournalCodec {
    static final byte[] HEADER = "{\"journal\":\"corral-usage\",\"version\":1}\n".getBytes(StandardCharsets.US_ASCII);

    private static final ThreadLocal<JournalCodec> LOCAL = ThreadLocal.withInitial(JournalCodec::new);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS);

    private final JsonLineBuilder lines = JsonLineBuilder.asciiOnly();

    /** This thread's encoder; its {@link #bytes} are valid until its next use. */
    static JournalCodec local() {
        return LOCAL.get();
    }

    byte[] bytes() {
        return lines.bytes();
    }

    int length() {
        return lines.length();
    }

    /** Gives up a buffer that one huge line made large. */
    void trim() {
        lines.trim();
    }

    /** Encodes one begin line in place of what the buffer held. */
    JournalCodec begin(String requestId, long tsMillis, String keyId, String auth, String route, String model,
                       long bytesIn, long prompt, long completion) {
        lines.clear();
        return appendBegin(requestId, tsMillis, keyId, auth, route, model, bytesIn, prompt, completion);
    }

    /** Adds one begin line after those already in the buffer (an event loop's turn). */
    JournalCodec appendBegin(String requestId, long tsMillis, String keyId, String auth, String route, String model,
                             long bytesIn, long prompt, long completion) {
        lines.open().string("begin", requestId).number("ts", tsMillis).string("key", keyId).string("auth", auth)
                .string("route", route).string("model", model).number("bytes_in", bytesIn).number("prompt", prompt)
                .number("completion", completion).end();
        return this;
    }

    /** Encodes one end line in place of what the buffer held. */
    JournalCodec end(UsageRecord r) {
        lines.clear();
        return appendEnd(r);
    }

    void clear() {
        lines.clear();
    }

    /** Adds one end line after those already in the buffer (the writer thread's batches). */
    JournalCodec appendEnd(UsageRecord r) {
        lines.open().string("end", r.requestId()).number("ts", r.time().toEpochMilli()).string("key", r.keyId())
                .string("route", r.route()).string("model", r.model()).number("status", r.status())
                .string("outcome", r.outcome()).number("prompt", r.promptTokens()).number("completion", r.completionTokens())
                .number("duration_ms", r.durationMs()).number("bytes_in", r.bytesIn()).number("bytes_out", r.bytesOut())
                .string("auth", r.auth()).end();
        return this;
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
