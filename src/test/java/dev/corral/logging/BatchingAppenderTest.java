package dev.corral.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import dev.corral.testing.Eventually;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchingAppenderTest {
    private final PrintStream saved = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private LoggerContext ctx;

    @BeforeEach
    void captureStandardError() {
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        ctx = new LoggerContext();
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    }

    @AfterEach
    void restoreStandardError() {
        System.setErr(saved);
        ctx.stop();
    }

    private String written() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    /** An appender on the captured standard error (set up before it starts), "%msg%n" lines. */
    private BatchingAppender appender(int queueSize, int lingerMillis, int idleMillis) {
        BatchingAppender a = new BatchingAppender();
        a.setContext(ctx);
        a.setName("TEST");
        a.setEncoder(encoder());
        a.setQueueSize(queueSize);
        a.setLingerMillis(lingerMillis);
        a.setIdleMillis(idleMillis);
        a.start();
        assertThat(a.isStarted()).isTrue();
        return a;
    }

    private PatternLayoutEncoder encoder() {
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern("%msg%n");
        enc.start();
        return enc;
    }

    private Logger logger(BatchingAppender a) {
        Logger log = ctx.getLogger("t");
        log.setAdditive(false);
        log.addAppender(a);
        return log;
    }

    @Test
    void everyLineOnceInTheOrderEachThreadLoggedIt() throws Exception {
        // A queue far smaller than the lines: producers wait for room, none is dropped.
        BatchingAppender a = appender(16, 5, 1000);
        Logger log = logger(a);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                for (int i = 0; i < 5_000; i++) {
                    log.info("{} {}", id, i);
                }
            });
            th.start();
            ts.add(th);
        }
        for (Thread t : ts) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        a.stop(); // writes everything queued
        String[] lines = written().split("\n");
        assertThat(lines).hasSize(20_000);
        int[] next = new int[4];
        for (String line : lines) {
            String[] p = line.split(" ");
            int t = Integer.parseInt(p[0]);
            assertThat(Integer.parseInt(p[1])).as("line of thread %d", t).isEqualTo(next[t]);
            next[t]++;
        }
        assertThat(next).containsOnly(5_000);
    }

    @Test
    void encodedLinesAndLoggedOnesKeepTheirOrderAndNoneIsLost() throws Exception {
        // Half the lines come as bytes (the access log's direct path), half as events; a small queue.
        BatchingAppender a = appender(16, 5, 1000);
        Logger log = logger(a);
        Thread t = new Thread(() -> {
            for (int i = 0; i < 5_000; i++) {
                if (i % 2 == 0) {
                    byte[] b = ("0 " + i + "\n").getBytes(StandardCharsets.UTF_8);
                    assertThat(a.appendLine(b, 0, b.length)).isTrue();
                } else {
                    log.info("0 {}", i);
                }
            }
        });
        t.start();
        t.join(TimeUnit.SECONDS.toMillis(30));
        a.stop();
        String[] lines = written().split("\n");
        assertThat(lines).hasSize(5_000);
        for (int i = 0; i < lines.length; i++) {
            assertThat(lines[i]).isEqualTo("0 " + i);
        }
        byte[] late = "late\n".getBytes(StandardCharsets.UTF_8);
        assertThat(a.appendLine(late, 0, late.length)).as("a stopped appender takes no line").isFalse();
    }

    @Test
    void linesLoggedJustBeforeStopAreWritten() {
        // A long linger: the writer is asleep when stop comes, and must still write the last lines.
        BatchingAppender a = appender(8192, 60_000, 1000);
        Logger log = logger(a);
        for (int i = 0; i < 3; i++) {
            log.info("0 {}", i);
        }
        a.stop();
        assertThat(written()).isEqualTo("0 0\n0 1\n0 2\n");
    }

    @Test
    void aWriterThatSleepsWithNothingQueuedIsWokenByTheNextLine() {
        BatchingAppender a = appender(8192, 0, 600_000); // only a line can wake it in time
        Logger log = logger(a);
        for (int i = 0; i < 3; i++) {
            Eventually.await("the writer sleeps with nothing queued", Duration.ofSeconds(10), a::idle);
            log.info("line {}", i);
            String want = "line " + i + "\n";
            Eventually.await("the line written", Duration.ofSeconds(10), () -> written().endsWith(want));
        }
        a.stop();
    }

    @Test
    void refusesToStartWithoutAnEncoderOrWithAnUnknownTarget() {
        BatchingAppender a = new BatchingAppender();
        a.setContext(ctx);
        a.start();
        assertThat(a.isStarted()).isFalse();
        BatchingAppender b = new BatchingAppender();
        b.setContext(ctx);
        b.setEncoder(encoder());
        b.setTarget("/var/log/x");
        b.start();
        assertThat(b.isStarted()).isFalse();
    }
}
