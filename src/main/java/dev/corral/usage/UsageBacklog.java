package dev.corral.usage;

import dev.corral.store.StoreException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far usage accounting is behind: the records waiting for the store against the bound
 * ({@code usage.max_waiting}), why the store does not take them, and the counts that /healthz and
 * tests read. It logs each change of state once (with a reminder a minute while the store fails).
 */
final class UsageBacklog {
    private static final Logger log = LoggerFactory.getLogger(UsageRecorder.class);
    private static final long REMIND_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final int maxWaiting;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong replayed = new AtomicLong();
    private final AtomicLong failedWrites = new AtomicLong();
    private final AtomicLong refusedFull = new AtomicLong();
    private final AtomicLong notRecorded = new AtomicLong();
    private final AtomicBoolean refusing = new AtomicBoolean();
    /** What {@link #awaitFlushed} waits on; notified after every stored batch. */
    private final Object flushed = new Object();
    private volatile String storeFailure;
    /** Writer thread only (and the replay at start, before it runs). */
    private long failingSince;
    private long remindAt;

    UsageBacklog(int maxWaiting) {
        this.maxWaiting = maxWaiting;
    }

    // ---- the event loop's side ----

    /** True when new requests are to be refused; counts the refusal and says so in the log once per episode. */
    boolean refuseNew() {
        if (waiting.get() < maxWaiting) {
            return false;
        }
        refusedFull.incrementAndGet();
        if (refusing.compareAndSet(false, true)) {
            log.error("{} usage records wait for the store (usage.max_waiting): refusing new requests with 503 until it"
                    + " catches up ({})", waiting.get(), storeFailure == null ? "store slow" : storeFailure);
        }
        return true;
    }

    boolean full() {
        return waiting.get() >= maxWaiting;
    }

    /** A refusal of a never-admitted request left to the access log because the backlog is full. */
    void leftToAccessLog() {
        long n = notRecorded.incrementAndGet();
        if (n == 1 || n % 10_000 == 0) {
            log.warn("usage accounting is full: {} refused requests were logged in the access log only", n);
        }
    }

    void added() {
        waiting.incrementAndGet();
    }

    // ---- the writer's side ----

    /** A batch is in the store. */
    void stored(int n) {
        written.addAndGet(n);
        int left = waiting.addAndGet(-n);
        if (left < maxWaiting && refusing.compareAndSet(true, false)) {
            log.info("usage accounting caught up ({} records waiting): accepting requests again", left);
        }
        synchronized (flushed) {
            flushed.notifyAll();
        }
    }

    private volatile dev.corral.audit.Audit audit = dev.corral.audit.Audit.discarding();

    void replayed(int n) {
        replayed.addAndGet(n);
    }

    /** Where store failures and recoveries are written down (the audit log). */
    void reportTo(dev.corral.audit.Audit a) {
        audit = a;
    }

    /** The store took a batch; if it had been failing, says it works again. */
    void storeWorks() {
        if (storeFailure != null) {
            long secs = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - failingSince);
            log.info("the usage store is writable again after {} s; writing the {} records that waited", secs, waiting.get());
            storeFailure = null;
            record(dev.corral.audit.Actions.STORE_RECOVERED, java.util.Map.of("after_seconds", secs, "records_waiting",
                    (long) waiting.get()));
        }
    }

    private void record(String action, java.util.Map<String, ?> details) {
        try {
            audit.record(dev.corral.audit.Audit.SYSTEM, action, "usage", details);
        } catch (RuntimeException e) {
            log.error("could not audit {}: {}", action, e.getMessage()); // the store's trouble may be the disk's
        }
    }

    /** The store refused a batch (it is retried). */
    void writeFailed(RuntimeException e) {
        failedWrites.incrementAndGet();
        storeFailed(e);
    }

    /** The store does not take records: logs it the first time, then reminds once a minute. */
    void storeFailed(RuntimeException e) {
        String reason = reason(e);
        long now = System.nanoTime();
        if (storeFailure == null) {
            failingSince = now;
            remindAt = now + REMIND_NANOS;
            log.error("cannot write usage records to the store ({}); {} records wait in memory and in the journal and"
                    + " are retried until it works: {}", reason, waiting.get(), e.getMessage());
            record(dev.corral.audit.Actions.STORE_DEGRADED, java.util.Map.of("reason", reason, "records_waiting",
                    (long) waiting.get()));
        } else if (now - remindAt >= 0) {
            remindAt = now + REMIND_NANOS;
            log.warn("the usage store has not taken records for {} s ({}); {} records waiting",
                    TimeUnit.NANOSECONDS.toSeconds(now - failingSince), reason, waiting.get());
        }
        storeFailure = reason;
    }

    /** A store failure in a few words, without paths (for /healthz and the log). */
    static String reason(RuntimeException e) {
        return e instanceof StoreException se ? se.reason() : e.getClass().getSimpleName();
    }

    // ---- what tests and /healthz read ----

    int waiting() {
        return waiting.get();
    }

    long written() {
        return written.get();
    }

    long replayed() {
        return replayed.get();
    }

    long failedWrites() {
        return failedWrites.get();
    }

    long refusedFull() {
        return refusedFull.get();
    }

    long notRecorded() {
        return notRecorded.get();
    }

    String storeFailure() {
        return storeFailure;
    }

    /** Fine, degraded, or refusing, with a short reason; {@code journalFailure} null while the journal works. */
    UsageHealth health(String journalFailure) {
        String sf = storeFailure;
        String jf = journalFailure;
        int w = waiting.get();
        boolean full = w >= maxWaiting;
        if (sf == null && jf == null && !full) {
            return UsageHealth.OK;
        }
        StringBuilder d = new StringBuilder(96);
        if (sf != null) {
            d.append("store not writable: ").append(sf).append("; ");
        } else if (full) {
            d.append("store behind; ");
        }
        if (jf != null) {
            d.append("journal not writable: ").append(jf).append("; ");
        }
        d.append(w).append(w == 1 ? " record waiting" : " records waiting");
        if (full) {
            d.append("; refusing new requests");
        }
        return new UsageHealth(true, full, d.toString());
    }

    /** Waits until no record waits for the store. */
    boolean awaitFlushed(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (flushed) {
            while (waiting.get() > 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                flushed.wait(Math.min(left, 50));
            }
        }
        return true;
    }
}
