package dev.corral.pipeline;

import dev.corral.logging.BatchingAppender;
import dev.corral.logging.JsonLineBuilder;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per request on the "corral.access" logger: who, which route, which model, how it
 * ended, tokens, bytes, time. There is deliberately no way to add a header value, a query string or
 * a body: keys and prompts cannot reach this log.
 *
 * <p>With Corral's own logging set up (the access logger writing only to its batching appender),
 * the line is built as UTF-8 bytes and handed to that appender's writer thread as it is; with a
 * logging configuration of the operator's, it goes through the logger like any other line.
 */
public final class AccessLog implements ExchangeListener {
    private static final Logger log = LoggerFactory.getLogger("corral.access");
    private static final ThreadLocal<JsonLineBuilder> BUFFER = ThreadLocal.withInitial(JsonLineBuilder::new);

    /** Corral's own appender for the access log, when it is the logger's only one; else null. */
    private final BatchingAppender direct = directAppender();

    @Override
    public void onComplete(Exchange e) {
        if (!log.isInfoEnabled()) {
            return;
        }
        JsonLineBuilder b = build(e);
        try {
            if (direct == null || !direct.appendLine(b.bytes(), 0, b.length())) {
                log.info(b.text());
            }
        } finally {
            b.trim();
        }
    }

    /** The line (without its newline): the same bytes the direct path writes. */
    public static String line(Exchange e) {
        JsonLineBuilder b = build(e);
        try {
            return b.text();
        } finally {
            b.trim();
        }
    }

    /** The line in the calling thread's buffer (an event loop writes many lines); valid until its next line. */
    private static JsonLineBuilder build(Exchange e) {
        Tally t = e.tally();
        JsonLineBuilder b = BUFFER.get().start();
        b.string("time", dev.corral.logging.Timestamps.format(e.startedAt()));
        b.string("request_id", e.requestId());
        b.string("client", e.clientAddress() == null ? null : e.clientAddress().getHostAddress());
        b.string("method", e.request().method().name());
        b.string("route", e.route() == null ? null : e.route().name());
        b.string("path", e.match() == null || e.match().path() == null ? null : truncate(e.match().path()));
        b.string("key_id", e.keyId());
        b.string("auth", e.authMethod());
        b.string("model", e.model() == null ? null : truncate(e.model()));
        b.number("status", t.status());
        b.string("outcome", t.outcome().code());
        if (t.reason() != null) {
            b.string("reason", t.reason());
        }
        if (t.promptTokens() >= 0) {
            b.number("prompt_tokens", t.promptTokens());
        }
        if (t.completionTokens() >= 0) {
            b.number("completion_tokens", t.completionTokens());
        }
        b.number("bytes_in", t.bytesIn());
        b.number("bytes_out", t.bytesOut());
        b.number("duration_ms", TimeUnit.NANOSECONDS.toMillis(t.durationNanos()));
        return b.end();
    }

    private static BatchingAppender directAppender() {
        if (!(log instanceof ch.qos.logback.classic.Logger l) || l.isAdditive()) {
            return null;
        }
        Iterator<ch.qos.logback.core.Appender<ch.qos.logback.classic.spi.ILoggingEvent>> it = l.iteratorForAppenders();
        if (!it.hasNext()) {
            return null;
        }
        Object only = it.next();
        return !it.hasNext() && only instanceof BatchingAppender a && a.isStarted() ? a : null;
    }

    private static String truncate(String s) {
        return s.length() > 256 ? s.substring(0, 256) + "…" : s;
    }
}
