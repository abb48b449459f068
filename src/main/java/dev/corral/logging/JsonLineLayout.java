package dev.corral.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;

/**
 * Logs as JSON lines: {"time", "level", "logger", "thread", "message", "error"}. Access-log events
 * (logger "corral.access") are already one JSON object and are written as they are.
 */
public final class JsonLineLayout extends LayoutBase<ILoggingEvent> {
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public String doLayout(ILoggingEvent e) {
        String msg = e.getFormattedMessage();
        if ("corral.access".equals(e.getLoggerName()) && msg != null && msg.startsWith("{")) {
            return msg + CoreConstants.LINE_SEPARATOR;
        }
        StringWriter w = new StringWriter(160);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.ofEpochMilli(e.getTimeStamp()).toString());
            g.writeStringField("level", e.getLevel().toString());
            g.writeStringField("logger", e.getLoggerName());
            g.writeStringField("thread", e.getThreadName());
            g.writeStringField("message", msg);
            IThrowableProxy t = e.getThrowableProxy();
            if (t != null) {
                g.writeStringField("error", ThrowableProxyUtil.asString(t));
            }
            g.writeEndObject();
        } catch (IOException impossible) {
            return msg + CoreConstants.LINE_SEPARATOR;
        }
        return w + CoreConstants.LINE_SEPARATOR;
    }
}
