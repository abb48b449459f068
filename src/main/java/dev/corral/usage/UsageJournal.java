package dev.corral.usage;

import dev.corral.net.TurnEnd;
import dev.corral.store.UsageRecord;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The usage journal: an append-only log in the state directory of every request admitted (a begin
 * line, written on the event loop before the request is forwarded) and of every usage record not
 * yet in the store (an end line, written by the usage writer thread in one write per batch before
 * it tries the store), so that neither a store that cannot take records nor a killed process loses
 * an admitted request. Format: {@link JournalCodec}. This class is its face; the parts are the
 * instance directory ({@link JournalInstance}), the writing ({@link JournalAppender}), the removal of
 * settled segments ({@link SegmentRetirement}) and the reading back ({@link JournalReplay}).
 *
 * <p>Layout: {@code <state>/usage-journal/<instance>/NNNNNNNN.jnl}, directories 0700, files 0600.
 * Each running server writes its own instance directory and holds an exclusive lock on its
 * {@code lock} file for as long as it runs. At start a server claims every other instance directory
 * whose lock it can take (its server is gone), reads it back ({@link #recover}) and deletes it once
 * the records are safe elsewhere. Two servers may share a state directory without reading each
 * other's live journal.
 *
 * <p>Segments rotate by size. Each keeps a count of its lines whose record is not yet in the store
 * (a begin counts until its request's record is stored); a segment that is no longer written and
 * whose count is zero is deleted by the writer thread.
 *
 * <p>What a crash leaves: every request admitted before it has its begin line, so after a restart
 * it has a record: its own if that was journaled (or stored) in time, else an {@code interrupted}
 * one holding its reservation. The gap between a request ending and its end line being written is
 * normally well under a millisecond; while the store keeps the writer waiting it is at most about
 * 200 ms, or one {@code usage.busy_timeout} while a store attempt waits on a lock. A refusal made in
 * that gap (no begin line: it never reached Ollama) is the one thing a crash can lose.
 *
 * <p>Durability: a line is one {@code write(2)} into the page cache, which survives the process
 * being killed (kill -9, OOM killer, a crash) but not the machine losing power. There is no fsync
 * per request. The writer thread fsyncs the segment being written about once a second when lines
 * were added, every segment when it is rotated away, and everything at shutdown; a power cut loses
 * at most about the last second of lines.
 *
 * <p>When a line cannot be written (disk full, read-only file system) the journal says so once in
 * the log and in {@link #failure}, stops writing (the record is then only in memory), and the writer
 * thread tries a fresh segment about once a second until one can be written again. A fresh segment,
 * never the failed one, so a line cut short by the failure is never followed by another on the same
 * line: replay skips torn lines and loses nothing else.
 */
public final class UsageJournal implements AutoCloseable {
    public static final long DEFAULT_SEGMENT_BYTES = 4L << 20;

    /** A usage record on its way to the store, with the segments that keep its lines until it is stored. */
    public static final class Pending {
        final UsageRecord record;
        final JournalSegment begin;
        /** Set by the writer thread when it journals the record; read by it (and by close, after it stopped). */
        JournalSegment end;

        Pending(UsageRecord record, JournalSegment begin) {
            this.record = record;
            this.begin = begin;
        }

        public UsageRecord record() {
            return record;
        }

        /** True when the record's end line is in the journal (it survives a crash before it is stored). */
        public boolean journaled() {
            return end != null;
        }
    }

    private final JournalInstance instance;
    private final SegmentRetirement retirement;
    private final JournalAppender appender;
    private final Map<String, JournalSegment> openBegins = new ConcurrentHashMap<>();
    /** Encodes the writer thread's batches of end lines; kept (it grows to a batch's size). */
    private JournalCodec writerCodec = new JournalCodec();
    /** Serialises the writer thread's housekeeping with {@link #close}: only they fsync, close and delete segments. */
    private final Object housekeeping = new Object();

    private UsageJournal(JournalInstance instance, long segmentBytes) {
        this.instance = instance;
        this.retirement = new SegmentRetirement(instance);
        this.appender = new JournalAppender(instance, retirement, segmentBytes);
    }

    /**
     * Opens a new instance directory under {@code root} and its first segment. Never fails for I/O:
     * a journal that cannot be created starts failed, reports why, and keeps trying.
     */
    public static UsageJournal open(Path root, long segmentBytes) {
        return new UsageJournal(new JournalInstance(root), Math.max(4096, segmentBytes));
    }

    /** This server's instance directory. */
    Path directory() {
        return instance.directory();
    }

    /** Why lines cannot be written now ("disk full"), or null while the journal works. */
    public String failure() {
        return appender.failure();
    }

    /**
     * Lines that could not be written when they were made, since start. A begin line is then gone
     * (its request is in memory only until it ends); end lines are written later if the journal
     * works again before their record is stored.
     */
    public long linesNotWritten() {
        return appender.linesLost();
    }

    /** Segment files of this instance on disk now (rotated ones are deleted once settled). */
    public int segments() {
        return instance.segments();
    }

    /** Requests admitted whose end record has not been made yet. */
    public int openBegins() {
        return openBegins.size();
    }

    boolean hasOpenBegin(String requestId) {
        return openBegins.containsKey(requestId);
    }

    // ---- the event loop's side: begin lines, one write(2) per turn of the loop ----

    /**
     * The begin lines an event loop made in its current turn, written together at the turn's end
     * ({@link TurnEnd}), before the requests they stand for are sent to Ollama. Confined to that loop.
     */
    private final class TurnBegins implements Runnable {
        final JournalCodec codec = new JournalCodec();
        final ArrayList<String> ids = new ArrayList<>();

        @Override
        public void run() {
            if (ids.isEmpty()) {
                return;
            }
            try {
                JournalSegment s = appender.append(codec, ids.size());
                if (s != null) {
                    for (int i = 0; i < ids.size(); i++) {
                        openBegins.put(ids.get(i), s);
                    }
                }
            } finally {
                ids.clear();
                codec.clear();
                codec.trim();
            }
        }
    }

    private final FastThreadLocal<TurnBegins> turnBegins = new FastThreadLocal<>() {
        @Override
        protected TurnBegins initialValue() {
            return new TurnBegins();
        }
    };

    /**
     * Notes an admitted request: its begin line stays until its usage record is stored. On an event
     * loop the line is written at the end of the loop's turn, with the others of that turn, before
     * any request of the turn goes to Ollama; elsewhere at once.
     */
    public void begin(String requestId, Instant startedAt, String keyId, String auth, String route, String model,
                      long bytesIn, long promptEstimate, long completionReserve) {
        TurnEnd turn = TurnEnd.current();
        if (turn != null) {
            TurnBegins b = turnBegins.get();
            if (b.ids.isEmpty() && !turn.durable(b)) {
                turn = null; // the loop is shutting down: write it now
            } else {
                b.codec.appendBegin(requestId, startedAt.toEpochMilli(), keyId, auth, route, model, bytesIn, promptEstimate,
                        completionReserve);
                b.ids.add(requestId);
                return;
            }
        }
        JournalCodec c = JournalCodec.local().begin(requestId, startedAt.toEpochMilli(), keyId, auth, route, model, bytesIn,
                promptEstimate, completionReserve);
        try {
            JournalSegment s = appender.append(c, 1);
            if (s != null) {
                openBegins.put(requestId, s);
            }
        } finally {
            c.trim();
        }
    }

    /**
     * A finished request's record, on its way to the writer thread, which journals it ({@link
     * #journal}) before it tries the store. No I/O here, unless the request ends in the very turn
     * of its loop that admitted it: its begin line is then written now, with the rest of the turn's
     * (exchanges end on the loop they began on), so that the line's segment knows it is settled.
     */
    public Pending finished(UsageRecord r) {
        if (TurnEnd.current() != null && turnBegins.isSet()) {
            TurnBegins b = turnBegins.get();
            if (b.ids.contains(r.requestId())) {
                b.run();
            }
        }
        return new Pending(r, openBegins.remove(r.requestId()));
    }

    // ---- the writer thread's side ----

    /**
     * Writes the end lines of the records not journaled yet, all in one write(2). Writer thread only.
     *
     * @return false when they could not be written (the records stay in memory only)
     */
    public boolean journal(List<Pending> batch) {
        if (appender.failure() != null) {
            return false; // journaled once it can be written again (the writer calls again after recovery)
        }
        JournalCodec c = writerCodec;
        c.clear();
        int lines = 0;
        for (Pending p : batch) {
            if (p.end == null) {
                c.appendEnd(p.record);
                lines++;
            }
        }
        if (lines == 0) {
            return true;
        }
        JournalSegment s = appender.append(c, lines);
        if (s == null) {
            return false;
        }
        for (Pending p : batch) {
            if (p.end == null) {
                p.end = s;
            }
        }
        if (c.bytes().length > (1 << 20)) {
            writerCodec = new JournalCodec();
        }
        return true;
    }

    /** The record is in the store: its lines no longer hold their segments. */
    public void stored(Pending p) {
        if (p.begin != null) {
            p.begin.unsettled.decrementAndGet();
        }
        if (p.end != null) {
            p.end.unsettled.decrementAndGet();
        }
    }

    /**
     * Housekeeping, on the usage writer thread: tries a fresh segment while failed, fsyncs the
     * current segment about once a second, closes rotated segments (fsync first), deletes settled ones.
     */
    public void maintain() {
        synchronized (housekeeping) {
            appender.maintain();
            retirement.settle();
        }
    }

    /** Forces the current segment to disk now (after re-journaling recovered records; at close). */
    boolean syncNow() {
        synchronized (housekeeping) {
            return appender.syncCurrent();
        }
    }

    /**
     * Stops writing, fsyncs and closes every segment, and deletes the settled ones. If every segment
     * is gone, the instance directory goes too; otherwise it stays for the next start to replay.
     */
    @Override
    public void close() {
        if (!appender.stop()) {
            return;
        }
        int left;
        synchronized (housekeeping) {
            retirement.settle();
            left = retirement.left();
        }
        instance.close(left);
    }

    /**
     * Tests: what kill -9 leaves behind. Every file stays as it is (nothing fsynced, settled or
     * deleted) and the lock is let go, as the kernel does when the process dies.
     */
    void abandon() {
        appender.stop();
        synchronized (housekeeping) {
            retirement.abandon();
        }
        instance.releaseLock();
    }

    // ---- recovery ----

    /**
     * Reads back the journals of every other instance under the root whose server is gone (see
     * {@link JournalReplay#recover}). The caller stores the records and then {@link JournalRecovery#discard}s
     * the old journals.
     */
    public JournalRecovery recover() {
        return JournalReplay.recover(instance.root(), instance.directory());
    }
}
