package dev.corral.usage;

import dev.corral.config.Settings;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import dev.corral.store.StateDir;
import dev.corral.store.Store;
import dev.corral.store.UsageRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure every admitted request yields exactly one usage record in the store, whatever
 * happens. On the event loop it only journals (a begin line at admission, an end line holding the
 * record when the exchange finishes; see {@link UsageJournal}) and enqueues. One writer thread
 * ({@link UsageWriter}) drains the queue into the store in batches and retries a failed batch forever,
 * with backoff capped at 5 s; storing is idempotent by request id, so a retry or a replay never
 * counts twice. {@link UsageBacklog} keeps the counts and the store's state.
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
    private static final long DRAIN_MILLIS = 10_000;
    private static final Refusal FULL = new Refusal(RefusalKind.SERVICE_UNAVAILABLE,
            "usage accounting is behind (its store is not taking records); retry later", BACKLOG_REASON, false)
            .withHeaders(Map.of("Retry-After", "10"));

    private final Store store;
    private final UsageJournal journal;
    private final UsageBacklog backlog;
    private final UsageWriter writer;

    /** Opens the journal in the state directory, replays earlier runs' journals, starts the writer. */
    public static UsageRecorder start(Store store, StateDir dir, Settings.Usage cfg) {
        return new UsageRecorder(store, UsageJournal.open(dir.journal(), UsageJournal.DEFAULT_SEGMENT_BYTES),
                cfg.maxWaiting());
    }

    public UsageRecorder(Store store, UsageJournal journal, int maxWaiting) {
        this.store = store;
        this.journal = journal;
        this.backlog = new UsageBacklog(maxWaiting);
        this.writer = new UsageWriter(store, journal, backlog);
        replay();
        writer.start();
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
                    int to = Math.min(records.size(), done + UsageWriter.BATCH);
                    store.insertUsage(records.subList(done, to));
                    done = to;
                }
                backlog.replayed(records.size());
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
                rest.forEach(writer::enqueue);
                backlog.storeFailed(e);
                if (journaled) {
                    rec.discard();
                }
                log.warn("the usage journal of an earlier run holds {} records ({} interrupted) the store cannot take"
                        + " yet ({}); they wait with this run's records", records.size() - done, rec.interrupted(),
                        UsageBacklog.reason(e));
            }
        }
    }

    /** Writes the store's failures and recoveries to the audit log from now on. */
    public void reportTo(dev.corral.audit.Audit audit) {
        backlog.reportTo(audit);
    }

    // ---- the event loop's side ----

    @Override
    public Refusal refuseIfFull() {
        return backlog.refuseNew() ? FULL : null;
    }

    @Override
    public void admitted(String requestId, Instant startedAt, String keyId, String auth, String route, String model,
                         long bytesIn, long promptEstimate, long completionReserve) {
        journal.begin(requestId, startedAt, keyId, auth, route, model, bytesIn, promptEstimate, completionReserve);
    }

    @Override
    public void finished(UsageRecord r, boolean refused) {
        if (refused && backlog.full() && !journal.hasOpenBegin(r.requestId())) {
            backlog.leftToAccessLog();
            return;
        }
        writer.enqueue(journal.finished(r));
    }

    // ---- what tests and /healthz read ----

    /** Records made but not yet in the store. */
    public int waiting() {
        return backlog.waiting();
    }

    /** Records this run wrote to the store (replayed ones not counted). */
    public long written() {
        return backlog.written();
    }

    /** Records of earlier runs stored at start. */
    public long replayed() {
        return backlog.replayed();
    }

    /** Batches the store refused so far (each is retried). */
    public long failedWrites() {
        return backlog.failedWrites();
    }

    /** Requests refused with 503 because accounting was full. */
    public long refusedFull() {
        return backlog.refusedFull();
    }

    /** Refusals of never-admitted requests left to the access log while accounting was full. */
    public long notRecorded() {
        return backlog.notRecorded();
    }

    /** Why the store does not take records now, or null. */
    public String storeFailure() {
        return backlog.storeFailure();
    }

    public UsageJournal journal() {
        return journal;
    }

    /** For /healthz: fine, degraded, or refusing, with a short reason. */
    public UsageHealth health() {
        return backlog.health(journal.failure());
    }

    /** Waits until every record made before this call is in the store (tests). */
    public boolean awaitFlushed(long timeoutMillis) throws InterruptedException {
        return backlog.awaitFlushed(timeoutMillis);
    }

    @Override
    public void close() {
        long memoryOnly = writer.stop(DRAIN_MILLIS);
        int left = backlog.waiting();
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
