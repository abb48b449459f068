package dev.corral.usage;

import dev.corral.gateway.Exchange;
import dev.corral.gateway.ExchangeListener;
import dev.corral.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one usage record per exchange that carried a key, off the event loop: the event loop only
 * enqueues; one writer thread drains the queue into the store in batches. Requests refused before a
 * key was presented are not usage (the access log has them). {@link #close} drains what is queued.
 */
public final class UsageRecorder implements ExchangeListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UsageRecorder.class);
    private static final int CAPACITY = 100_000;
    private static final int BATCH = 500;

    private final Store store;
    private final BlockingQueue<UsageRecord> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Thread writer;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closing;

    public UsageRecorder(Store store) {
        this.store = store;
        this.writer = new Thread(this::run, "corral-usage-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public void onComplete(Exchange e) {
        if (e.keyId() == null) {
            return;
        }
        UsageRecord r = new UsageRecord(e.startedAt(), e.requestId(), e.keyId(),
                e.route() == null ? null : e.route().name(), e.model(), e.status(), e.outcome().code(),
                e.promptTokens(), e.completionTokens(), TimeUnit.NANOSECONDS.toMillis(e.durationNanos()),
                e.bytesIn(), e.bytesOut());
        if (!queue.offer(r)) {
            // The store has fallen 100k records behind; say so loudly rather than block the event loop.
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 1000 == 0) {
                log.error("usage queue full: {} usage records dropped so far; the store is too slow", n);
            }
        }
    }

    /** Records written to the store so far. */
    public long written() {
        return written.get();
    }

    public long dropped() {
        return dropped.get();
    }

    /** Waits until every record queued before this call is in the store (tests, shutdown). */
    public boolean awaitFlushed(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (this) {
            while (!queue.isEmpty() || busy) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                wait(Math.min(left, 50));
            }
        }
        return true;
    }

    private volatile boolean busy;

    private void run() {
        List<UsageRecord> batch = new ArrayList<>(BATCH);
        while (true) {
            try {
                UsageRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing) {
                        return;
                    }
                    continue;
                }
                busy = true;
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                writeWithRetry(batch);
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                busy = false;
                synchronized (this) {
                    notifyAll();
                }
            }
        }
    }

    private void writeWithRetry(List<UsageRecord> batch) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                store.insertUsage(batch);
                written.addAndGet(batch.size());
                return;
            } catch (RuntimeException e) {
                if (attempt >= 5 || closing) {
                    dropped.addAndGet(batch.size());
                    log.error("could not write {} usage records after {} attempts; they are lost", batch.size(), attempt, e);
                    return;
                }
                log.warn("writing usage failed (attempt {}), retrying: {}", attempt, e.getMessage());
                Thread.sleep(200L * attempt);
            }
        }
    }

    @Override
    public void close() {
        try {
            awaitFlushed(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closing = true;
        try {
            writer.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
