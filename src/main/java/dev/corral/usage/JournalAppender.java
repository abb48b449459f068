package dev.corral.usage;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends whole lines to this server's current journal segment, one write(2) per call, rotating it by
 * size. The first write that fails ends the segment and the journal stays failed (lines are counted
 * as lost) until the writer thread, about once a second, gets a fresh segment open; it also fsyncs
 * the current segment about once a second when lines were added.
 */
final class JournalAppender {
    private static final Logger log = LoggerFactory.getLogger(UsageJournal.class);
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long SYNC_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final JournalInstance instance;
    private final SegmentRetirement retirement;
    private final long segmentBytes;
    private final Object lock = new Object();
    private final AtomicLong linesLost = new AtomicLong();
    private JournalSegment current; // guarded by lock; null while failed or closed
    private boolean closed; // guarded by lock
    private volatile String failure;
    private long retryAt = System.nanoTime();
    /** Writer thread only. */
    private long lastSync = System.nanoTime() - SYNC_NANOS;

    /** Opens the first segment; never fails for I/O (the appender then starts failed and keeps trying). */
    JournalAppender(JournalInstance instance, SegmentRetirement retirement, long segmentBytes) {
        this.instance = instance;
        this.retirement = retirement;
        this.segmentBytes = segmentBytes;
        synchronized (lock) {
            current = newSegment();
        }
    }

    /** Why lines cannot be written now ("disk full"), or null while they can. */
    String failure() {
        return failure;
    }

    long linesLost() {
        return linesLost.get();
    }

    /** Appends {@code lines} whole lines in one write; the segment written, or null when none could be. */
    JournalSegment append(JournalCodec c, int lines) {
        synchronized (lock) {
            JournalSegment s = current;
            if (s == null) {
                linesLost.addAndGet(lines);
                return null;
            }
            int len = c.length();
            if (s.size + len > segmentBytes && s.size > JournalCodec.HEADER.length) {
                // Rotation opens a file on the calling thread, once per segment (thousands of requests).
                retirement.retire(s);
                s = newSegment();
                current = s;
                if (s == null) {
                    linesLost.addAndGet(lines);
                    return null;
                }
            }
            try {
                s.out.write(c.bytes(), 0, len);
            } catch (IOException e) {
                // Part of the write may be on disk: the segment is written no more (see UsageJournal's comment).
                retirement.retire(s);
                current = null;
                fail(e, "cannot write the usage journal");
                linesLost.addAndGet(lines);
                return null;
            }
            s.size += len;
            s.dirty = true;
            s.unsettled.addAndGet(lines);
            return s;
        }
    }

    /** Called with {@link #lock} held, or before the journal is shared. */
    private JournalSegment newSegment() {
        try {
            return instance.newSegment();
        } catch (IOException | RuntimeException e) {
            fail(e, "cannot write the usage journal");
            return null;
        }
    }

    private void fail(Exception e, String what) {
        String before = failure;
        failure = shortReason(e);
        retryAt = System.nanoTime() + RETRY_NANOS;
        if (before == null) {
            log.error("{} ({}): usage records are kept in memory until it works again, and a crash now would lose"
                    + " them; retrying every second", what, e.toString());
        }
    }

    /**
     * Writer thread, under the journal's housekeeping lock: tries a fresh segment while failed, and
     * fsyncs the current segment about once a second.
     */
    void maintain() {
        long now = System.nanoTime();
        boolean reopen;
        synchronized (lock) {
            reopen = current == null && !closed && failure != null && now - retryAt >= 0;
        }
        if (reopen) {
            reopen();
        }
        JournalSegment s;
        synchronized (lock) {
            s = current;
        }
        if (s != null && s.dirty && now - lastSync >= SYNC_NANOS) {
            lastSync = now;
            s.dirty = false; // a line added during the fsync below sets it again
            s.sync();
        }
    }

    private void reopen() {
        JournalSegment fresh;
        synchronized (lock) {
            // Opening happens under the lock: while failed, the event loops only count lost lines here.
            fresh = newSegment();
            if (fresh == null) {
                return;
            }
            if (closed) {
                retirement.retire(fresh);
                return;
            }
            current = fresh;
            failure = null;
        }
        log.info("the usage journal is writable again ({} lines could not be written since start)", linesLost.get());
    }

    /** Forces the current segment to disk now; false when there is none or the fsync failed. Under the housekeeping lock. */
    boolean syncCurrent() {
        JournalSegment s;
        synchronized (lock) {
            s = current;
        }
        return s != null && s.sync();
    }

    /** Stops writing: the current segment is retired. False when it had already stopped. */
    boolean stop() {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            closed = true;
            if (current != null) {
                retirement.retire(current);
                current = null;
            }
            return true;
        }
    }

    /** An I/O failure in a few words, without file names (for /healthz): "disk full", "read-only file system". */
    static String shortReason(Throwable e) {
        String m = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        String lower = m.toLowerCase(Locale.ROOT);
        if (lower.contains("no space left")) {
            return "disk full";
        }
        if (lower.contains("read-only")) {
            return "read-only file system";
        }
        if (lower.contains("permission denied")) {
            return "permission denied";
        }
        if (lower.contains("quota")) {
            return "disk quota exceeded";
        }
        if (lower.contains("input/output")) {
            return "I/O error";
        }
        if (lower.contains("lock held")) {
            return "locked by another process";
        }
        return e instanceof IOException ? "I/O error" : e.getClass().getSimpleName();
    }
}
