package dev.corral.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OutageLogTest {

    @Test
    void anOutageIsOneErrorAReminderAMinuteAndOneLineWhenItEnds() {
        LoggerContext ctx = new LoggerContext();
        Logger log = ctx.getLogger("t");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.setContext(ctx);
        lines.start();
        log.addAppender(lines);
        AtomicLong now = new AtomicLong();
        OutageLog outage = new OutageLog(log, "reloading keys", now::get);

        outage.ok(); // nothing to end
        for (int s = 0; s < 150; s++) { // an attempt a second for 150 s
            now.set(TimeUnit.SECONDS.toNanos(s));
            outage.failed("the store is not available");
        }
        outage.ok();
        outage.ok();
        assertThat(lines.list).extracting(e -> e.getLevel().toString() + " " + e.getFormattedMessage()).containsExactly(
                "ERROR reloading keys failed: the store is not available (said again at most once a minute until it works)",
                "ERROR reloading keys still fails after 60 s and 61 attempts: the store is not available",
                "ERROR reloading keys still fails after 120 s and 121 attempts: the store is not available",
                "INFO reloading keys works again after 149 s and 150 failed attempts");
        // a new outage starts its own count
        outage.failed("again");
        assertThat(lines.list.get(lines.list.size() - 1).getFormattedMessage()).startsWith("reloading keys failed: again");
    }
}
