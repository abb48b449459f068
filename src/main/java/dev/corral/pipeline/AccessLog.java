package dev.corral.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
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
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public void onComplete(Exchange e) {
        if (!log.isInfoEnabled()) {
            return;
        }
        log.info(line(e));
    }

    public static String line(Exchange e) {
        Tally t = e.tally();
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("time", dev.corral.logging.Timestamps.format(e.startedAt()));
            g.writeStringField("request_id", e.requestId());
            g.writeStringField("client", e.clientAddress() == null ? null : e.clientAddress().getHostAddress());
            g.writeStringField("method", e.request().method().name());
            g.writeStringField("route", e.route() == null ? null : e.route().name());
            g.writeStringField("path", e.match() == null || e.match().path() == null ? null : truncate(e.match().path()));
            g.writeStringField("key_id", e.keyId());
            g.writeStringField("auth", e.authMethod());
            g.writeStringField("model", e.model() == null ? null : truncate(e.model()));
            g.writeNumberField("status", t.status());
            g.writeStringField("outcome", t.outcome().code());
            if (t.reason() != null) {
                g.writeStringField("reason", t.reason());
            }
            if (t.promptTokens() >= 0) {
                g.writeNumberField("prompt_tokens", t.promptTokens());
            }
            if (t.completionTokens() >= 0) {
                g.writeNumberField("completion_tokens", t.completionTokens());
            }
            g.writeNumberField("bytes_in", t.bytesIn());
            g.writeNumberField("bytes_out", t.bytesOut());
            g.writeNumberField("duration_ms", TimeUnit.NANOSECONDS.toMillis(t.durationNanos()));
            g.writeEndObject();
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return w.toString();
    }

    private static String truncate(String s) {
        return s.length() > 256 ? s.substring(0, 256) + "…" : s;
    }
}
