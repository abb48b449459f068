package dev.corral.audit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns failed authentications into at most one {@code auth.failures} entry per client address per
 * window (a minute by default), with the count and the first and last failure's time, instead of one
 * line per attempt: a scanner trying a thousand keys is one entry, not a thousand.
 *
 * <p>{@link #failed} is what the data plane calls, on its event loop: one map merge, no I/O, no
 * allocation beyond a small tally. The entries are written by {@link #flush}, which a single
 * background thread runs once per window ({@link #start}) and {@link #close} runs a last time.
 * At most {@code maxAddresses} addresses are tracked per window (bounded memory and bounded entries
 * under a distributed scan); failures from further addresses are summed into one entry with the
 * target "other".
 */
public final class AuthFailureSummary implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuthFailureSummary.class);
    public static final Duration WINDOW = Duration.ofMinutes(1);
    public static final int MAX_ADDRESSES = 1000;
    static final String OTHER = "other";

    private final Audit audit;
    private final Clock clock;
    private final int maxAddresses;
    private final ConcurrentHashMap<String, Tally> counts = new ConcurrentHashMap<>();
    private final AtomicLong otherCount = new AtomicLong();
    private volatile ScheduledExecutorService flusher;

    /** Failures from one address in the current window. Immutable: merged by replacement. */
    private record Tally(long count, long firstMillis, long lastMillis) {
        Tally plus(Tally t) {
            return new Tally(count + t.count, Math.min(firstMillis, t.firstMillis), Math.max(lastMillis, t.lastMillis));
        }
    }

    /** A summary that writes only when {@link #flush} is called (tests; callers with their own scheduler). */
    public AuthFailureSummary(Audit audit, Clock clock, int maxAddresses) {
        this.audit = audit;
        this.clock = clock;
        this.maxAddresses = maxAddresses;
    }

    /** A summary that flushes every {@link #WINDOW} on its own daemon thread, until closed. */
    public static AuthFailureSummary start(Audit audit, Clock clock) {
        AuthFailureSummary s = new AuthFailureSummary(audit, clock, MAX_ADDRESSES);
        ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "corral-audit-auth-failures");
            t.setDaemon(true);
            return t;
        });
        s.flusher = ex;
        long every = WINDOW.toMillis();
        ex.scheduleWithFixedDelay(s::flushQuietly, every, every, TimeUnit.MILLISECONDS);
        return s;
    }

    /** Counts one failed authentication from {@code address}. Cheap, never blocks on I/O, never throws. */
    public void failed(String address) {
        String a = address == null || address.isEmpty() ? "unknown" : address;
        long now = clock.millis();
        Tally one = new Tally(1, now, now);
        if (counts.size() >= maxAddresses && !counts.containsKey(a)) {
            otherCount.incrementAndGet();
            return;
        }
        // merge is atomic per key, and flush removes a key atomically: no failure is counted twice or lost
        counts.merge(a, one, Tally::plus);
    }

    /**
     * Records one entry per address that failed since the last flush (in address order, so the log
     * reads the same whatever the map's order), and one for the addresses beyond the limit.
     */
    public void flush() {
        List<String> addresses = new ArrayList<>(counts.keySet());
        addresses.sort(null);
        for (String a : addresses) {
            Tally t = counts.remove(a);
            if (t != null) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("count", t.count());
                d.put("first", AuditEntry.formatTime(Instant.ofEpochMilli(t.firstMillis())));
                d.put("last", AuditEntry.formatTime(Instant.ofEpochMilli(t.lastMillis())));
                audit.record(Audit.SYSTEM, Actions.AUTH_FAILURES, a, d);
            }
        }
        long other = otherCount.getAndSet(0);
        if (other > 0) {
            audit.record(Audit.SYSTEM, Actions.AUTH_FAILURES, OTHER,
                    Map.of("count", other, "addresses_over", maxAddresses));
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            // a scheduled task that throws is never run again; the next window tries again
            log.error("recording failed-authentication summaries failed: {}", e.getMessage());
        }
    }

    /** Stops the background flush and writes what was counted since the last one. */
    @Override
    public void close() {
        ScheduledExecutorService ex = flusher;
        if (ex != null) {
            ex.shutdown();
            try {
                ex.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flushQuietly();
    }
}
