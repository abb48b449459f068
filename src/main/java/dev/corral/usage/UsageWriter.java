package dev.corral.usage;

import dev.corral.store.Store;
import dev.corral.store.UsageRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage writer thread: drains the queue of finished records into the store in batches,
 * journaling each batch first, and retries a failed batch forever with backoff capped at 5 s,
 * keeping the journal up while it waits; at shutdown it drains until a deadline.
 */
final class UsageWriter {
    private static final Logger log = LoggerFactory.getLogger(UsageRecorder.class);
    /** Records per store transaction. */
    static final int BATCH = 500;
    /** How long a batch may wait for more records before it is stored. */
    static final long LINGER_MILLIS = 50;
    /** How soon a record that joins a waiting batch is journaled. */
    static final long JOURNAL_EVERY_MILLIS = 5;
    private static final long BACKOFF_FIRST_MILLIS = 50;
    private static final long BACKOFF_MAX_MILLIS = 5_000;

    private final Store store;
    private final UsageJournal journal;
    private final UsageBacklog backlog;
    private final LinkedBlockingQueue<UsageJournal.Pending> queue = new LinkedBlockingQueue<>();
    /** Records of the batch the writer held when shutdown's drain time ended that are in no journal. */
    private final AtomicLong unstoredAtExit = new AtomicLong();
    private final Thread thread;
    private volatile boolean closing;
    private volatile long drainDeadline;

    UsageWriter(Store store, UsageJournal journal, UsageBacklog backlog) {
        this.store = store;
        this.journal = journal;
        this.backlog = backlog;
        this.thread = new Thread(this::run, "corral-usage-writer");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Queues a finished record for the store; safe from any thread. */
    void enqueue(UsageJournal.Pending p) {
        backlog.added();
        queue.add(p);
    }

    /**
     * Stops the thread after it drains for up to {@code drainMillis}.
     *
     * @return the records it leaves that are in no journal (they are lost)
     */
    long stop(long drainMillis) {
        drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
        closing = true;
        try {
            thread.join(drainMillis + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("the usage writer did not stop in time; the journal keeps what it did not store");
        }
        return queue.stream().filter(p -> !p.journaled()).count() + unstoredAtExit.get();
    }

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
            // Journaled before the store is tried: should the process die while the store keeps it
            // waiting, the next start writes these records as they are.
            journal.journal(batch);
            boolean gathered = gather(batch);
            for (UsageJournal.Pending p : batch) {
                records.add(p.record());
            }
            if (!gathered || !storeUntilDone(batch, records)) {
                // Shutting down: what is not stored stays in the journal for the next start.
                unstoredAtExit.addAndGet(batch.stream().filter(p -> !p.journaled()).count());
                return;
            }
            for (UsageJournal.Pending p : batch) {
                journal.stored(p);
            }
            int n = batch.size();
            batch.clear();
            records.clear();
            backlog.stored(n);
        }
    }

    /**
     * Lets a batch grow for up to {@link #LINGER_MILLIS} before it is stored, journaling what joins it
     * as it comes (within {@link #JOURNAL_EVERY_MILLIS}). One transaction then carries the records of
     * many requests: under load a transaction per request cost more than the rest of the usage path.
     * The journal, not the store, is what keeps a record through a crash, so waiting loses nothing.
     *
     * @return false when interrupted
     */
    private boolean gather(List<UsageJournal.Pending> batch) {
        long storeBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS);
        while (batch.size() < BATCH && !closing) {
            long left = storeBy - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            // Sleeps rather than waits on the queue: a request that finishes meanwhile then wakes no
            // thread (a wake-up per record cost a context switch per request under load).
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(JOURNAL_EVERY_MILLIS)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (queue.drainTo(batch, BATCH - batch.size()) > 0) {
                journal.journal(batch);
            }
        }
        return true;
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
                backlog.storeWorks();
                return true;
            } catch (RuntimeException e) {
                backlog.writeFailed(e);
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

    /** Journals the records waiting in the queue that are not journaled yet. */
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
}
