package dev.corral.usage;

import dev.corral.store.UsageRecord;
import dev.corral.store.StateDir;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage journal: an append-only log in the state directory of every request admitted (a begin
 * line, written on the event loop before the request is forwarded) and of every usage record not
 * yet in the store (an end line, written by the usage writer thread in one write per batch before
 * it tries the store), so that neither a store that cannot take records nor a killed process loses
 * an admitted request. Format: {@link JournalCodec}.
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
    private static final Logger log = LoggerFactory.getLogger(UsageJournal.class);
    public static final long DEFAULT_SEGMENT_BYTES = 4L << 20;
    static final String LOCK_FILE = "lock";
    static final String SUFFIX = ".jnl";
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long SYNC_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** One segment file and the count of its lines whose records are not yet stored. */
    static final class Segment {
        final Path file;
        final FileOutputStream out;
        final AtomicInteger unsettled = new AtomicInteger();
        long size;
        volatile boolean dirty;
        boolean streamClosed;

        Segment(Path file, FileOutputStream out, long size) {
            this.file = file;
            this.out = out;
            this.size = size;
        }
    }

    /** A usage record on its way to the store, with the segments that keep its lines until it is stored. */
    public static final class Pending {
        final UsageRecord record;
        final Segment begin;
        /** Set by the writer thread when it journals the record; read by it (and by close, after it stopped). */
        Segment end;

        Pending(UsageRecord record, Segment begin) {
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

    private final Path root;
    private final Path dir;
    private final long segmentBytes;
    private final Object lock = new Object();
    private final Map<String, Segment> openBegins = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Segment> retired = new ConcurrentLinkedQueue<>();
    /** Segments no longer written, waiting for their lines to settle; writer thread only. */
    private final List<Segment> draining = new ArrayList<>();
    private final AtomicLong linesLost = new AtomicLong();
    /** Encodes the writer thread's batches of end lines; kept (it grows to a batch's size). */
    private JournalCodec writerCodec = new JournalCodec();
    private final AtomicInteger onDisk = new AtomicInteger();
    /** Serialises the writer thread's housekeeping with {@link #close}: only they fsync, close and delete segments. */
    private final Object housekeeping = new Object();
    private FileChannel lockChannel;
    private FileLock instanceLock;
    private Segment current; // guarded by lock; null while failed or closed
    private int nextNumber = 1;
    private boolean closed; // guarded by lock
    private volatile String failure;
    private long retryAt = System.nanoTime();
    private long lastSync = System.nanoTime() - SYNC_NANOS;

    private UsageJournal(Path root, Path dir, long segmentBytes) {
        this.root = root;
        this.dir = dir;
        this.segmentBytes = segmentBytes;
    }

    /**
     * Opens a new instance directory under {@code root} and its first segment. Never fails for I/O:
     * a journal that cannot be created starts failed, reports why, and keeps trying.
     */
    public static UsageJournal open(Path root, long segmentBytes) {
        String instance = Long.toString(System.currentTimeMillis(), 36) + "-" + ProcessHandle.current().pid() + "-"
                + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 25), 36);
        UsageJournal j = new UsageJournal(root, root.resolve(instance), Math.max(4096, segmentBytes));
        synchronized (j.lock) {
            j.current = j.newSegment();
        }
        return j;
    }

    /**
     * Makes the instance directory and takes its lock, once; until that works (a full or read-only
     * file system at start) every attempt to open a segment tries again.
     */
    private void ensureDirectory() throws IOException {
        if (instanceLock != null) {
            return;
        }
        StateDir.createPrivateDirectory(root);
        StateDir.createPrivateDirectory(dir);
        FileChannel ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock l = ch.tryLock();
            if (l == null) {
                throw new IOException("lock held by another process");
            }
            lockChannel = ch;
            instanceLock = l;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** This server's instance directory. */
    Path directory() {
        return dir;
    }

    /** Why lines cannot be written now ("disk full"), or null while the journal works. */
    public String failure() {
        return failure;
    }

    /**
     * Lines that could not be written when they were made, since start. A begin line is then gone
     * (its request is in memory only until it ends); end lines are written later if the journal
     * works again before their record is stored.
     */
    public long linesNotWritten() {
        return linesLost.get();
    }

    /** Segment files of this instance on disk now (rotated ones are deleted once settled). */
    public int segments() {
        return onDisk.get();
    }

    /** Requests admitted whose end record has not been made yet. */
    public int openBegins() {
        return openBegins.size();
    }

    boolean hasOpenBegin(String requestId) {
        return openBegins.containsKey(requestId);
    }

    // ---- the event loop's side: one encoded line, one write(2), at admission only ----

    /** Notes an admitted request: its begin line stays until its usage record is stored. */
    public void begin(String requestId, Instant startedAt, String keyId, String route, String model, long bytesIn,
                      long promptEstimate, long completionReserve) {
        JournalCodec c = JournalCodec.local().begin(requestId, startedAt.toEpochMilli(), keyId, route, model, bytesIn,
                promptEstimate, completionReserve);
        try {
            Segment s = append(c, 1);
            if (s != null) {
                openBegins.put(requestId, s);
            }
        } finally {
            c.trim();
        }
    }

    /**
     * A finished request's record, on its way to the writer thread, which journals it ({@link
     * #journal}) before it tries the store. No I/O here: until then the begin line stands for it.
     */
    public Pending finished(UsageRecord r) {
        return new Pending(r, openBegins.remove(r.requestId()));
    }

    // ---- the writer thread's side ----

    /**
     * Writes the end lines of the records not journaled yet, all in one write(2). Writer thread only.
     *
     * @return false when they could not be written (the records stay in memory only)
     */
    public boolean journal(List<Pending> batch) {
        if (failure != null) {
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
        Segment s = append(c, lines);
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

    /** Appends {@code lines} whole lines in one write; the segment written, or null when none could be. */
    private Segment append(JournalCodec c, int lines) {
        synchronized (lock) {
            Segment s = current;
            if (s == null) {
                linesLost.addAndGet(lines);
                return null;
            }
            int len = c.length();
            if (s.size + len > segmentBytes && s.size > JournalCodec.HEADER.length) {
                // Rotation opens a file on the calling thread, once per segment (thousands of requests).
                retire(s);
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
                // Part of the write may be on disk: the segment is written no more (see the class comment).
                retire(s);
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
    private Segment newSegment() {
        String number = Integer.toString(nextNumber);
        Path file = dir.resolve("0".repeat(Math.max(0, 8 - number.length())) + number + SUFFIX);
        FileOutputStream out = null;
        try {
            ensureDirectory();
            StateDir.createPrivateFile(file);
            nextNumber++;
            out = new FileOutputStream(file.toFile(), true);
            out.write(JournalCodec.HEADER);
            onDisk.incrementAndGet();
            return new Segment(file, out, JournalCodec.HEADER.length);
        } catch (IOException | RuntimeException e) {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // the failure below is what matters
                }
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // an empty or header-only file is skipped by replay
            }
            fail(e, "cannot write the usage journal");
            return null;
        }
    }

    private void retire(Segment s) {
        retired.add(s);
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
     * Housekeeping, on the usage writer thread: tries a fresh segment while failed, fsyncs the
     * current segment about once a second, closes rotated segments (fsync first), deletes settled ones.
     */
    public void maintain() {
        synchronized (housekeeping) {
            maintainLocked();
        }
    }

    private void maintainLocked() {
        long now = System.nanoTime();
        boolean reopen;
        synchronized (lock) {
            reopen = current == null && !closed && failure != null && now - retryAt >= 0;
        }
        if (reopen) {
            reopen();
        }
        Segment s;
        synchronized (lock) {
            s = current;
        }
        if (s != null && s.dirty && now - lastSync >= SYNC_NANOS) {
            lastSync = now;
            s.dirty = false; // a line added during the fsync below sets it again
            sync(s);
        }
        settle();
    }

    private void reopen() {
        Segment fresh;
        synchronized (lock) {
            // Opening happens under the lock: while failed, the event loops only count lost lines here.
            fresh = newSegment();
            if (fresh == null) {
                return;
            }
            if (closed) {
                retire(fresh);
                return;
            }
            current = fresh;
            failure = null;
        }
        log.info("the usage journal is writable again ({} lines could not be written since start)", linesLost.get());
    }

    /** Forces the current segment to disk now (after re-journaling recovered records; at close). */
    boolean syncNow() {
        synchronized (housekeeping) {
            Segment s;
            synchronized (lock) {
                s = current;
            }
            return s != null && sync(s);
        }
    }

    private static boolean sync(Segment s) {
        try {
            s.out.getFD().sync();
            return true;
        } catch (IOException e) {
            log.warn("fsync of {} failed: {}", s.file.getFileName(), e.toString());
            return false;
        }
    }

    private void settle() {
        Segment r;
        while ((r = retired.poll()) != null) {
            sync(r);
            try {
                r.out.close();
            } catch (IOException ignored) {
                // nothing more will be written to it
            }
            r.streamClosed = true;
            draining.add(r);
        }
        draining.removeIf(s -> {
            if (s.unsettled.get() > 0) {
                return false;
            }
            try {
                Files.deleteIfExists(s.file);
                onDisk.decrementAndGet();
                return true;
            } catch (IOException e) {
                return false; // tried again next time
            }
        });
    }

    /**
     * Stops writing, fsyncs and closes every segment, and deletes the settled ones. If every segment
     * is gone, the instance directory goes too; otherwise it stays for the next start to replay.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (current != null) {
                retire(current);
                current = null;
            }
        }
        int left;
        synchronized (housekeeping) {
            settle();
            left = draining.size();
        }
        if (left == 0 && lockChannel != null) {
            try {
                Files.deleteIfExists(dir.resolve(LOCK_FILE));
            } catch (IOException ignored) {
                // the next start claims an empty directory and removes it
            }
        }
        releaseLock();
        if (left == 0) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // not empty (an unexpected file) or already gone
            }
        } else {
            log.info("{} usage journal segments hold records or requests not yet in the store; the next start writes them", left);
        }
    }

    /**
     * Tests: what kill -9 leaves behind. Every file stays as it is (nothing fsynced, settled or
     * deleted) and the lock is let go, as the kernel does when the process dies.
     */
    void abandon() {
        synchronized (lock) {
            closed = true;
            if (current != null) {
                retire(current);
                current = null;
            }
        }
        synchronized (housekeeping) {
            Segment r;
            while ((r = retired.poll()) != null) {
                try {
                    r.out.close();
                } catch (IOException ignored) {
                    // as good as dead
                }
            }
            for (Segment d : draining) {
                try {
                    d.out.close();
                } catch (IOException ignored) {
                    // as good as dead
                }
            }
            draining.clear();
        }
        releaseLock();
    }

    private void releaseLock() {
        try {
            if (instanceLock != null) {
                instanceLock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException ignored) {
            // the lock ends with the process anyway
        }
    }

    // ---- recovery ----

    /** What the journals of servers that are gone held. */
    public static final class Recovery implements AutoCloseable {
        private final List<UsageRecord> records;
        private final List<Claim> claims;
        private final int segments;
        private final int tornLines;
        private final int interrupted;

        Recovery(List<UsageRecord> records, List<Claim> claims, int segments, int tornLines, int interrupted) {
            this.records = records;
            this.claims = claims;
            this.segments = segments;
            this.tornLines = tornLines;
            this.interrupted = interrupted;
        }

        /** One record per request: its end record, or for a request admitted that never ended, an interrupted one. */
        public List<UsageRecord> records() {
            return records;
        }

        public int segments() {
            return segments;
        }

        /** Lines that did not parse (cut short by a crash or a full disk); skipped. */
        public int tornLines() {
            return tornLines;
        }

        /** Requests admitted before the crash whose end never came: recorded as interrupted. */
        public int interrupted() {
            return interrupted;
        }

        /** The records are safe elsewhere (stored, or journaled again and fsynced): delete the old journals. */
        public void discard() {
            for (Claim c : claims) {
                c.delete();
            }
            claims.clear();
        }

        /** Lets the old journals go without deleting them (the next start reads them again; storing is idempotent). */
        @Override
        public void close() {
            for (Claim c : claims) {
                c.release();
            }
            claims.clear();
        }
    }

    /** An instance directory whose server is gone, locked by this one while it replays it. */
    static final class Claim {
        final Path dir;
        final FileChannel channel;
        final FileLock lock;
        final List<Path> files = new ArrayList<>();

        Claim(Path dir, FileChannel channel, FileLock lock) {
            this.dir = dir;
            this.channel = channel;
            this.lock = lock;
        }

        void delete() {
            try {
                for (Path f : files) {
                    Files.deleteIfExists(f);
                }
                Files.deleteIfExists(dir.resolve(LOCK_FILE));
            } catch (IOException e) {
                log.warn("could not delete the replayed usage journal {}: {}", dir, e.toString());
            }
            release();
            try (DirectoryStream<Path> rest = Files.newDirectoryStream(dir)) {
                if (!rest.iterator().hasNext()) {
                    Files.deleteIfExists(dir);
                }
            } catch (IOException ignored) {
                // left for the next start
            }
        }

        void release() {
            try {
                lock.release();
                channel.close();
            } catch (IOException ignored) {
                // released with the channel or the process
            }
        }
    }

    /**
     * Reads back the journals of every other instance under the root whose lock can be taken (their
     * server is gone), oldest segment first. Lines that do not parse are skipped. Ends are taken as
     * they are; a begin without an end becomes an {@code interrupted} record holding its reservation.
     * The caller stores the records and then {@link Recovery#discard}s the old journals.
     */
    public Recovery recover() {
        List<Claim> claims = new ArrayList<>();
        Map<String, UsageRecord> ends = new LinkedHashMap<>();
        Map<String, UsageRecord> begins = new LinkedHashMap<>();
        int segments = 0;
        int torn = 0;
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, Files::isDirectory)) {
            ds.forEach(dirs::add);
        } catch (NoSuchFileException e) {
            return new Recovery(List.of(), claims, 0, 0, 0);
        } catch (IOException e) {
            log.error("cannot list the usage journal {}: {}; earlier runs' records stay there until it can be read",
                    root, e.toString());
            return new Recovery(List.of(), claims, 0, 0, 0);
        }
        dirs.sort(null);
        for (Path d : dirs) {
            if (d.equals(dir)) {
                continue;
            }
            Claim claim = claim(d);
            if (claim == null) {
                continue;
            }
            claims.add(claim);
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "*" + SUFFIX)) {
                ds.forEach(files::add);
            } catch (IOException e) {
                log.error("cannot list {}: {}", d, e.toString());
                claims.remove(claim);
                claim.release();
                continue;
            }
            files.sort(null); // fixed-width numbers: name order is write order
            for (Path f : files) {
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(f);
                } catch (IOException e) {
                    log.error("cannot read {}: {}; it is kept for the next start", f, e.toString());
                    continue;
                }
                claim.files.add(f);
                segments++;
                torn += readLines(bytes, begins, ends);
            }
        }
        List<UsageRecord> out = new ArrayList<>(ends.values());
        int interrupted = 0;
        for (UsageRecord b : begins.values()) {
            if (!ends.containsKey(b.requestId())) {
                out.add(b);
                interrupted++;
            }
        }
        return new Recovery(out, claims, segments, torn, interrupted);
    }

    /** Parses one segment's lines into begins and ends; returns how many lines did not parse. */
    static int readLines(byte[] bytes, Map<String, UsageRecord> begins, Map<String, UsageRecord> ends) {
        int torn = 0;
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i < bytes.length && bytes[i] != '\n') {
                continue;
            }
            if (i > start) {
                String text = new String(bytes, start, i - start, StandardCharsets.ISO_8859_1);
                JournalCodec.Line line = JournalCodec.parse(text);
                if (line == null) {
                    if (!text.startsWith("{\"journal\"")) {
                        torn++;
                    }
                } else if (line.begin()) {
                    begins.putIfAbsent(line.record().requestId(), line.record());
                } else {
                    ends.putIfAbsent(line.record().requestId(), line.record());
                }
            }
            start = i + 1;
        }
        return torn;
    }

    private static Claim claim(Path d) {
        Path lockFile = d.resolve(LOCK_FILE);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                return null; // its server is running
            }
            return new Claim(d, ch, l);
        } catch (OverlappingFileLockException e) {
            closeQuietly(ch);
            return null; // a server in this JVM holds it
        } catch (IOException e) {
            closeQuietly(ch);
            log.warn("cannot lock the usage journal {}: {}; it is left for a later start", d, e.toString());
            return null;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to add
            }
        }
    }

    /** An I/O failure in a few words, without file names (for /healthz): "disk full", "read-only file system". */
    static String shortReason(Throwable e) {
        String m = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        String lower = m.toLowerCase(java.util.Locale.ROOT);
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
