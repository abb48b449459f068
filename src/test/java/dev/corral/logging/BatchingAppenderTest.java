package dev.corral.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatchingAppenderTest {

    private static LoggerContext context() {
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        return ctx;
    }

    /** Starts an appender writing to a captured standard error; restores System.err after. */
    private static String run(int queueSize, int lingerMillis, int threads, int linesEach) throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, false, StandardCharsets.UTF_8));
        LoggerContext ctx = context();
        try {
            PatternLayoutEncoder enc = new PatternLayoutEncoder();
            enc.setContext(ctx);
            enc.setPattern("%msg%n");
            enc.start();
            BatchingAppender a = new BatchingAppender();
            a.setContext(ctx);
            a.setName("TEST");
            a.setEncoder(enc);
            a.setQueueSize(queueSize);
            a.setLingerMillis(lingerMillis);
            a.start();
            assertThat(a.isStarted()).isTrue();
            Logger log = ctx.getLogger("t");
            log.setAdditive(false);
            log.addAppender(a);
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    for (int i = 0; i < linesEach; i++) {
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
            return captured.toString(StandardCharsets.UTF_8);
        } finally {
            System.setErr(saved);
            ctx.stop();
        }
    }

    @Test
    void everyLineOnceInTheOrderEachThreadLoggedIt() throws Exception {
        // A queue far smaller than the lines: producers wait for room, none is dropped.
        String out = run(16, 5, 4, 5_000);
        String[] lines = out.split("\n");
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
    void linesLoggedJustBeforeStopAreWritten() throws Exception {
        // A long linger: the writer is asleep when stop comes, and must still write the last lines.
        String out = run(8192, 60_000, 1, 3);
        assertThat(out).isEqualTo("0 0\n0 1\n0 2\n");
    }

    @Test
    void aWriterThatSleepsWithNothingQueuedIsWokenByTheNextLine() throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LoggerContext ctx = context();
        try {
            PatternLayoutEncoder enc = new PatternLayoutEncoder();
            enc.setContext(ctx);
            enc.setPattern("%msg%n");
            enc.start();
            BatchingAppender a = new BatchingAppender();
            a.setContext(ctx);
            a.setName("IDLE");
            a.setEncoder(enc);
            a.setLingerMillis(0);
            a.setIdleMillis(600_000); // only a line can wake it in time
            a.start();
            Logger log = ctx.getLogger("t");
            log.addAppender(a);
            for (int i = 0; i < 3; i++) {
                Thread.sleep(50); // the writer goes idle in between
                log.info("line {}", i);
                String want = "line " + i + "\n";
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!captured.toString(StandardCharsets.UTF_8).endsWith(want) && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertThat(captured.toString(StandardCharsets.UTF_8)).endsWith(want);
            }
            a.stop();
        } finally {
            System.setErr(saved);
            ctx.stop();
        }
    }

    @Test
    void refusesToStartWithoutAnEncoderOrWithAnUnknownTarget() {
        LoggerContext ctx = context();
        BatchingAppender a = new BatchingAppender();
        a.setContext(ctx);
        a.start();
        assertThat(a.isStarted()).isFalse();
        BatchingAppender b = new BatchingAppender();
        b.setContext(ctx);
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern("%msg%n");
        enc.start();
        b.setEncoder(enc);
        b.setTarget("/var/log/x");
        b.start();
        assertThat(b.isStarted()).isFalse();
    }
}
