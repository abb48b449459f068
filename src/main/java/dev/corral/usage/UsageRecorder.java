package dev.corral.usage;

import dev.corral.store.UsageRecord;
import dev.corral.config.Settings;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import dev.corral.store.StateDir;
import java.time.Instant;
import dev.corral.store.Store;
import dev.corral.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure every admitted request yields exactly one usage record in the store, whatever
 * happens. On the event loop it only journals (a begin line at admission, an end line holding the
 * record when the exchange finishes; see {@link UsageJournal}) and enqueues. One writer thread
 * drains the queue into the store in batches and retries a failed batch forever, with backoff
 * capped at 5 s; storing is idempotent by request id, so a retry or a replay never counts twice.
 *
 * <p>The bound: at most {@code usage.max_waiting} records wait for the store. At the bound the
 * admit stage refuses new requests with 503 ({@link #refuseIfFull}); those add no record. While at
 * the bound, other refusals of requests that were never admitted (Ollama never saw them) are kept
 * only in the access log, so that nothing can grow the waiting records without limit. Requests
 * already admitted always get their record, so the bound is exceeded by at most the requests in
 * flight when it was reached.
 *
 * <p>At start, before serving, the journals of earlier runs are replayed into the store; a
 * request admitted then but never finished becomes an {@code interrupted} record (status 0: no
 * final status was ever known) whose prompt and completion tokens are its reservation (prompt
 * estimate, completion tokens reserved), so budgets charge what it may have used. If the store
 * cannot take them at start, they are journaled again here and written when it can; start does
 * not wait.
 *
 * <p>{@link #close} drains for up to 10 s; what is not stored by then stays in the journal for the
 * next start.
 */
public final class UsageRecorder implements Accounting, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UsageRecorder.class);
    /** Outcome of a request that was admitted but whose end the process did not live to see. */
    public static final String INTERRUPTED = "interrupted";
    /** Status of an interrupted request: none was ever known (the client saw the connection drop). */
    public static final int INTERRUPTED_STATUS = 0;
    /** The refusal reason of requests refused because accounting is full. */
    public static final String BACKLOG_REASON = "usage_backlog";
    private static final int BATCH = 500;
    private static final long BACKOFF_FIRST_MILLIS = 50;
    private static final long BACKOFF_MAX_MILLIS = 5_000;
    private static final long DRAIN_MILLIS = 10_000;
    private static final long REMIND_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final Refusal FULL = new Refusal(RefusalKind.SERVICE_UNAVAILABLE,
            "usage accounting is behind (its store is not taking records); retry later", BACKLOG_REASON, false)
            .withHeaders(Map.of("Retry-After", "10"));

    private final Store store;
    private final UsageJournal journal;
    private final int maxWaiting;
    private final LinkedBlockingQueue<UsageJournal.Pending> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong replayed = new AtomicLong();
    private final AtomicLong failedWrites = new AtomicLong();
    private final AtomicLong refusedFull = new AtomicLong();
    private final AtomicLong notRecorded = new AtomicLong();
    private final AtomicBoolean refusing = new AtomicBoolean();
    /** Records of the batch the writer held when shutdown's drain time ended that are in no journal. */
    private final AtomicLong unstoredAtExit = new AtomicLong();
    private final Thread writer;
    private volatile String storeFailure;
    private volatile boolean closing;
    private volatile long drainDeadline;
    private long failingSince;
    private long remindAt;

    /** Opens the journal in the state directory, replays earlier runs' journals, starts the writer. */
    public static UsageRecorder start(Store store, StateDir dir, Settings.Usage cfg) {
        return new UsageRecorder(store, UsageJournal.open(dir.journal(), UsageJournal.DEFAULT_SEGMENT_BYTES),
                cfg.maxWaiting());
    }

    public UsageRecorder(Store store, UsageJournal journal, int maxWaiting) {
        this.store = store;
        this.journal = journal;
        this.maxWaiting = maxWaiting;
        replay();
        this.writer = new Thread(this::run, "corral-usage-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    // ---- start: earlier runs ----

    private void replay() {
        try (JournalRecovery rec = journal.recover()) {
            List<UsageRecord> records = rec.records();
            if (records.isEmpty()) {
                rec.discard();
                return;
            }
            int done = 0;
            try {
                while (done < records.size()) {
                    int to = Math.min(records.size(), done + BATCH);
                    store.insertUsage(records.subList(done, to));
                    done = to;
                }
                replayed.addAndGet(records.size());
                rec.discard();
                log.info("replayed the usage journal of an earlier run: {} records written to the store, {} of them"
                        + " requests that run admitted but did not finish (outcome interrupted); {} torn lines skipped"
                        + " (a request already in the store keeps its row)", records.size(), rec.interrupted(), rec.tornLines());
            } catch (RuntimeException e) {
                // The store cannot take them now: journal them again here and let the writer retry.
                List<UsageJournal.Pending> rest = new ArrayList<>();
                for (UsageRecord r : records.subList(done, records.size())) {
                    rest.add(journal.finished(r));
                }
                boolean journaled = journal.journal(rest) && journal.syncNow();
                rest.forEach(this::enqueue);
                noteFailure(e);
                if (journaled) {
                    rec.discard();
                }
                log.warn("the usage journal of an earlier run holds {} records ({} interrupted) the store cannot take"
                        + " yet ({}); they wait with this run's records", records.size() - done, rec.interrupted(), reason(e));
            }
        }
    }

    // ---- the event loop's side ----

    @Override
    public Refusal refuseIfFull() {
        if (waiting.get() < maxWaiting) {
            return null;
        }
        refusedFull.incrementAndGet();
        if (refusing.compareAndSet(false, true)) {
            log.error("{} usage records wait for the store (usage.max_waiting): refusing new requests with 503 until it"
                    + " catches up ({})", waiting.get(), storeFailure == null ? "store slow" : storeFailure);
        }
        return FULL;
    }

    @Override
    public void admitted(String requestId, Instant startedAt, String keyId, String route, String model, long bytesIn,
                         long promptEstimate, long completionReserve) {
        journal.begin(requestId, startedAt, keyId, route, model, bytesIn, promptEstimate, completionReserve);
    }

    @Override
    public void finished(UsageRecord r, boolean refused) {
        if (refused && waiting.get() >= maxWaiting && !journal.hasOpenBegin(r.requestId())) {
            long n = notRecorded.incrementAndGet();
            if (n == 1 || n % 10_000 == 0) {
                log.warn("usage accounting is full: {} refused requests were logged in the access log only", n);
            }
            return;
        }
        enqueue(journal.finished(r));
    }

    private void enqueue(UsageJournal.Pending p) {
        waiting.incrementAndGet();
        queue.add(p);
    }

    // ---- what tests and /healthz read ----

    /** Records made but not yet in the store. */
    public int waiting() {
        return waiting.get();
    }

    /** Records this run wrote to the store (replayed ones not counted). */
    public long written() {
        return written.get();
    }

    /** Records of earlier runs stored at start. */
    public long replayed() {
        return replayed.get();
    }

    /** Batches the store refused so far (each is retried). */
    public long failedWrites() {
        return failedWrites.get();
    }

    /** Requests refused with 503 because accounting was full. */
    public long refusedFull() {
        return refusedFull.get();
    }

    /** Refusals of never-admitted requests left to the access log while accounting was full. */
    public long notRecorded() {
        return notRecorded.get();
    }

    /** Why the store does not take records now, or null. */
    public String storeFailure() {
        return storeFailure;
    }

    public UsageJournal journal() {
        return journal;
    }

    /** For /healthz: fine, degraded, or refusing, with a short reason. */
    public UsageHealth health() {
        String sf = storeFailure;
        String jf = journal.failure();
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

    /** Waits until every record made before this call is in the store (tests). */
    public boolean awaitFlushed(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (this) {
            while (waiting.get() > 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                wait(Math.min(left, 50));
            }
        }
        return true;
    }

    // ---- the writer thread ----

    private void run() {
        List<UsageJournal.Pending> batch = new ArrayList<>(BATCH);
        List<UsageRecord> records = new ArrayList<>(BATCH);
        while (true) {
            journal.maintain();
            UsageJournal.Pending first;
            try {
                first = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first == null) {
                if (closing) {
                    return;
                }
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, BATCH - 1);
            for (UsageJournal.Pending p : batch) {
                records.add(p.record());
            }
            // Journaled before the store is tried: should the process die while the store keeps it
            // waiting, the next start writes these records as they are.
            journal.journal(batch);
            if (!storeUntilDone(batch, records)) {
                // Shutting down: what is not stored stays in the journal for the next start.
                unstoredAtExit.addAndGet(batch.stream().filter(p -> !p.journaled()).count());
                return;
            }
            for (UsageJournal.Pending p : batch) {
                journal.stored(p);
            }
            written.addAndGet(batch.size());
            int left = waiting.addAndGet(-batch.size());
            if (left < maxWaiting && refusing.compareAndSet(true, false)) {
                log.info("usage accounting caught up ({} records waiting): accepting requests again", left);
            }
            batch.clear();
            records.clear();
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /**
     * Stores one batch, retrying with capped backoff until it is stored; false only when shutdown's
     * drain time is over. While it waits it keeps the journal up: records made meanwhile are
     * journaled every 200 ms or so (and records made while the journal could not be written, once
     * it can again).
     */
    private boolean storeUntilDone(List<UsageJournal.Pending> batch, List<UsageRecord> records) {
        long backoff = BACKOFF_FIRST_MILLIS;
        while (true) {
            try {
                store.insertUsage(records);
                if (storeFailure != null) {
                    log.info("the usage store is writable again after {} s; writing the {} records that waited",
                            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - failingSince), waiting.get());
                    storeFailure = null;
                }
                return true;
            } catch (RuntimeException e) {
                failedWrites.incrementAndGet();
                noteFailure(e);
            }
            long wakeAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
            if (closing && wakeAt - drainDeadline > 0) {
                wakeAt = drainDeadline;
            }
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(wakeAt - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                try {
                    Thread.sleep(Math.min(left, 200));
                } catch (InterruptedException ie) {
                    return false;
                }
                journal.maintain();
                journal.journal(batch);
                journalQueued();
            }
            if (closing && System.nanoTime() - drainDeadline >= 0) {
                return false;
            }
            backoff = Math.min(backoff * 2, BACKOFF_MAX_MILLIS);
        }
    }

    /** Journals the records waiting in the queue that are not journaled yet (writer thread). */
    private void journalQueued() {
        if (journal.failure() != null) {
            return;
        }
        List<UsageJournal.Pending> fresh = null;
        for (UsageJournal.Pending p : queue) {
            if (!p.journaled()) {
                if (fresh == null) {
                    fresh = new ArrayList<>();
                }
                fresh.add(p);
            }
        }
        if (fresh != null) {
            journal.journal(fresh);
        }
    }

    private static String reason(RuntimeException e) {
        return e instanceof StoreException se ? se.reason() : e.getClass().getSimpleName();
    }

    private void noteFailure(RuntimeException e) {
        String reason = reason(e);
        long now = System.nanoTime();
        if (storeFailure == null) {
            failingSince = now;
            remindAt = now + REMIND_NANOS;
            log.error("cannot write usage records to the store ({}); {} records wait in memory and in the journal and"
                    + " are retried until it works: {}", reason, waiting.get(), e.getMessage());
        } else if (now - remindAt >= 0) {
            remindAt = now + REMIND_NANOS;
            log.warn("the usage store has not taken records for {} s ({}); {} records waiting",
                    TimeUnit.NANOSECONDS.toSeconds(now - failingSince), reason, waiting.get());
        }
        storeFailure = reason;
    }

    @Override
    public void close() {
        drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
        closing = true;
        try {
            writer.join(DRAIN_MILLIS + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            log.warn("the usage writer did not stop in time; the journal keeps what it did not store");
        }
        long memoryOnly = queue.stream().filter(p -> !p.journaled()).count() + unstoredAtExit.get();
        int left = waiting.get();
        journal.close();
        if (left > 0) {
            log.warn("{} usage records were not stored before shutdown; the journal keeps {} of them for the next start",
                    left, left - memoryOnly);
        }
        if (memoryOnly > 0) {
            log.error("{} usage records could be written neither to the store nor to the journal and are lost", memoryOnly);
        }
    }
}
