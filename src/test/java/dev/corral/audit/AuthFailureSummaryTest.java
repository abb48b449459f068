package dev.corral.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failed authentications become one entry per address per window, counted exactly, written off the caller's thread. */
class AuthFailureSummaryTest {
    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(Instant.parse("2025-06-01T12:00:00Z"));
    final RecordingAudit audit = new RecordingAudit();

    @Test
    void oneEntryPerAddressPerWindowWithTheCountAndTheFirstAndLastFailure() {
        AuthFailureSummary s = new AuthFailureSummary(audit, clock, 100);
        for (int i = 0; i < 5; i++) {
            s.failed("203.0.113.7");
            clock.advance(Duration.ofSeconds(2));
        }
        s.failed("2001:db8::1");
        s.failed("2001:db8::1");
        s.failed("2001:db8::1");
        assertThat(audit.recorded()).as("counting writes nothing").isEmpty();

        s.flush();
        assertThat(audit.recorded()).hasSize(2);
        RecordingAudit.Recorded v6 = audit.recorded().get(0);
        RecordingAudit.Recorded v4 = audit.recorded().get(1);
        assertThat(v4.actor()).isEqualTo(Audit.SYSTEM);
        assertThat(v4.action()).isEqualTo("auth.failures");
        assertThat(v4.target()).isEqualTo("203.0.113.7");
        assertThat(v4.details()).containsEntry("count", 5L).containsEntry("first", "2025-06-01T12:00:00.000Z")
                .containsEntry("last", "2025-06-01T12:00:08.000Z");
        assertThat(v6.target()).isEqualTo("2001:db8::1");
        assertThat(v6.details()).containsEntry("count", 3L);

        s.flush();
        assertThat(audit.recorded()).as("a quiet window writes nothing").hasSize(2);
        s.failed("203.0.113.7");
        s.flush();
        assertThat(audit.recorded()).hasSize(3);
        assertThat(audit.recorded().get(2).details()).containsEntry("count", 1L);
    }

    @Test
    void addressesBeyondTheLimitAreSummedIntoOneEntry() {
        AuthFailureSummary s = new AuthFailureSummary(audit, clock, 3);
        for (int a = 1; a <= 5; a++) {
            for (int i = 0; i < a; i++) {
                s.failed("198.51.100." + a);
            }
        }
        s.failed("198.51.100.1"); // already tracked: still counted under its own address
        s.flush();
        List<RecordingAudit.Recorded> r = audit.recorded();
        assertThat(r).extracting(RecordingAudit.Recorded::target)
                .containsExactly("198.51.100.1", "198.51.100.2", "198.51.100.3", "other");
        assertThat(r.get(0).details()).containsEntry("count", 2L);
        assertThat(r.get(3).details()).containsEntry("count", 9L).containsEntry("addresses_over", 3);
    }

    @Test
    void concurrentFailuresAreCountedExactlyWhileFlushesRun() throws Exception {
        AuthFailureSummary s = new AuthFailureSummary(audit, clock, 100);
        int threads = 6;
        int each = 2000;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean counting = new AtomicBoolean(true);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        s.failed("192.0.2." + (i % 4));
                    }
                    return null;
                }));
            }
            Future<?> flusher = pool.submit(() -> {
                go.await();
                while (counting.get()) {
                    s.flush();
                }
                return null;
            });
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            counting.set(false);
            flusher.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        s.flush();
        Map<String, Long> total = new HashMap<>();
        for (RecordingAudit.Recorded r : audit.recorded()) {
            total.merge(r.target(), (Long) r.details().get("count"), Long::sum);
        }
        assertThat(total).containsOnlyKeys("192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3");
        assertThat(total.values()).allMatch(n -> n == (long) threads * each / 4);
    }

    @Test
    void theScheduledSummaryWritesOnItsOwnThreadAndFlushesAtClose() throws Exception {
        Path f = dir.resolve(AuditLog.FILE_NAME);
        try (AuditLog log = AuditLog.open(f, clock)) {
            AuthFailureSummary s = AuthFailureSummary.start(log, clock);
            s.failed("203.0.113.9");
            s.failed("203.0.113.9");
            s.close();
            assertThat(log.head().seq()).isEqualTo(1);
        }
        List<AuditEntry> entries = new ArrayList<>();
        AuditReader.read(f, new AuditReader.Visitor() {
            @Override
            public void entry(long line, AuditEntry e) {
                entries.add(e);
            }

            @Override
            public void unreadable(long line, String why) {
                throw new AssertionError(why);
            }
        });
        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.action()).isEqualTo(Actions.AUTH_FAILURES);
            assertThat(e.target()).isEqualTo("203.0.113.9");
            assertThat(e.details()).containsEntry("count", 2L);
        });

        RecordingAudit threads = new RecordingAudit();
        AuthFailureSummary s = AuthFailureSummary.start(threads, clock);
        s.failed("203.0.113.10");
        s.close();
        assertThat(threads.recorded()).singleElement().satisfies(r ->
                assertThat(r.thread()).as("close flushes on the closing thread, failed() never writes")
                        .isEqualTo(Thread.currentThread().getName()));
    }

    @Test
    void aFailingAuditNeverReachesTheCaller() {
        Audit broken = (actor, action, target, details) -> {
            throw new AuditException("disk full", null);
        };
        AuthFailureSummary s = new AuthFailureSummary(broken, clock, 10);
        s.failed(null);
        s.failed("");
        s.close(); // logs, does not throw
    }
}
