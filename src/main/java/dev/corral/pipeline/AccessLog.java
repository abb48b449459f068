package dev.corral.pipeline;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per request on the "corral.access" logger: who, which route, which model, how it
 * ended, tokens, bytes, time. There is deliberately no way to add a header value, a query string or
 * a body: keys and prompts cannot reach this log.
 */
public final class AccessLog implements ExchangeListener {
    private static final Logger log = LoggerFactory.getLogger("corral.access");
    private static final JsonStringEncoder ESCAPE = JsonStringEncoder.getInstance();
    private static final ThreadLocal<StringBuilder> BUFFER = ThreadLocal.withInitial(() -> new StringBuilder(512));

    @Override
    public void onComplete(Exchange e) {
        if (!log.isInfoEnabled()) {
            return;
        }
        log.info(line(e));
    }

    /** The line; its buffer is the calling thread's (an event loop writes many lines), its escaping Jackson's. */
    public static String line(Exchange e) {
        Tally t = e.tally();
        StringBuilder b = BUFFER.get();
        b.setLength(0);
        b.append('{');
        string(b, "time", dev.corral.logging.Timestamps.format(e.startedAt()));
        string(b, "request_id", e.requestId());
        string(b, "client", e.clientAddress() == null ? null : e.clientAddress().getHostAddress());
        string(b, "method", e.request().method().name());
        string(b, "route", e.route() == null ? null : e.route().name());
        string(b, "path", e.match() == null || e.match().path() == null ? null : truncate(e.match().path()));
        string(b, "key_id", e.keyId());
        string(b, "auth", e.authMethod());
        string(b, "model", e.model() == null ? null : truncate(e.model()));
        number(b, "status", t.status());
        string(b, "outcome", t.outcome().code());
        if (t.reason() != null) {
            string(b, "reason", t.reason());
        }
        if (t.promptTokens() >= 0) {
            number(b, "prompt_tokens", t.promptTokens());
        }
        if (t.completionTokens() >= 0) {
            number(b, "completion_tokens", t.completionTokens());
        }
        number(b, "bytes_in", t.bytesIn());
        number(b, "bytes_out", t.bytesOut());
        number(b, "duration_ms", TimeUnit.NANOSECONDS.toMillis(t.durationNanos()));
        b.setCharAt(b.length() - 1, '}'); // the last field's comma
        String line = b.toString();
        if (b.capacity() > 4096) {
            BUFFER.remove();
        }
        return line;
    }

    private static void string(StringBuilder b, String name, String value) {
        b.append('"').append(name).append("\":");
        if (value == null) {
            b.append("null,");
            return;
        }
        b.append('"');
        ESCAPE.quoteAsString(value, b);
        b.append("\",");
    }

    private static void number(StringBuilder b, String name, long value) {
        b.append('"').append(name).append("\":").append(value).append(',');
    }

    private static String truncate(String s) {
        return s.length() > 256 ? s.substring(0, 256) + "…" : s;
    }
}
