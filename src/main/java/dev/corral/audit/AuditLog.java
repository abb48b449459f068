package dev.corral.audit;

import dev.corral.config.ConfigException;
import dev.corral.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log file: an append-only chain of {@link AuditEntry} lines ({@code audit.log} in the
 * state directory, 0600), each holding the hash of the one before.
 *
 * <p><b>Appends</b> are serialized by one lock; each entry is one line written with one positional
 * write, then {@code FileChannel.force(false)} (fdatasync: the data and the file length) before
 * {@link #record} returns. Audit events are rare (admin changes, reloads, at most one failed-auth
 * summary per address a minute) and never per request, so an fsync each costs nothing that
 * matters, and an entry the caller saw recorded survives a crash. A failed write is cut back off
 * the file so the chain stays whole; if even that fails, the log refuses further entries.
 *
 * <p><b>One writer.</b> {@code audit.log.lock} next to the file is locked (fcntl) while the log is
 * open, so a second server or a CLI command on the same state directory cannot fork the chain.
 *
 * <p><b>After a crash.</b> Since every entry is one write ending in its newline, and is on disk
 * before the next begins, a crash can leave at most one unfinished line at the end: bytes after the
 * last newline. {@link #open} moves them to {@code audit.log.torn-<UTC time>} (0600, kept for the
 * operator), cuts the log back to its last whole line and records an {@code audit.recovered} entry
 * naming the file, its size and SHA-256: the break is recorded in the chain itself, not skipped
 * over. A last whole line that is not a valid entry is not what a crash leaves: the file was changed
 * outside Corral, and {@link #open} refuses to extend a chain it cannot trust (the server does not
 * start) until the operator has looked ({@code corral audit verify}) and moved the file aside.
 * Only the last line is checked at open; {@code corral audit verify} checks the whole chain.
 */
public final class AuditLog implements Audit, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    public static final String FILE_NAME = "audit.log";
    /** No entry is longer: details are at most 4 KiB and every other member is bounded. */
    static final int MAX_LINE_BYTES = 16 * 1024;
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Path file;
    private final Clock clock;
    private final FileChannel channel;
    private final FileChannel lockChannel;
    private final FileLock fileLock;
    /**
     * Lock files this JVM holds. POSIX drops a process's fcntl locks on a file when any descriptor for
     * it is closed, so a second open in the same JVM must be refused before it opens the lock file.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path heldKey;
    private final ReentrantLock appending = new ReentrantLock();
    private volatile AuditHead head = new AuditHead(0, AuditEntry.GENESIS);
    private long size; // guarded by appending
    private IOException broken; // guarded by appending
    private boolean closed; // guarded by appending

    private AuditLog(Path file, Clock clock, FileChannel channel, FileChannel lockChannel, FileLock fileLock, Path heldKey) {
        this.heldKey = heldKey;
        this.file = file;
        this.clock = clock;
        this.channel = channel;
        this.lockChannel = lockChannel;
        this.fileLock = fileLock;
    }

    /**
     * Opens (creating it 0600 if missing) the log at {@code file}, locks it, and reads its last
     * entry, setting aside an unfinished last line (see the class comment). Fails with a
     * StoreException whose message says what to do when the log cannot be trusted or read, and
     * with a ConfigException when another process holds it.
     */
    public static AuditLog open(Path file, Clock clock) {
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        Path heldKey = lockFile.toAbsolutePath().normalize();
        if (!HELD.add(heldKey)) {
            throw inUse(file);
        }
        FileChannel lockChannel = null;
        FileChannel channel = null;
        try {
            lockChannel = openPrivate(lockFile);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw inUse(file);
            }
            boolean created = !Files.exists(file);
            channel = openPrivate(file);
            if (created) {
                syncDirectory(file);
            }
            AuditLog a = new AuditLog(file, clock, channel, lockChannel, lock, heldKey);
            a.recover();
            return a;
        } catch (IOException e) {
            closeQuietly(channel);
            closeQuietly(lockChannel);
            HELD.remove(heldKey);
            throw new StoreException(file + ": cannot open the audit log: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            closeQuietly(lockChannel);
            HELD.remove(heldKey);
            throw e;
        }
    }

    private static ConfigException inUse(Path file) {
        return new ConfigException(file + ": another Corral process has this audit log open (a server running on the"
                + " same state_dir?); stop it, or give this one its own state_dir");
    }

    /** Records one entry; on disk when this returns. See {@link Audit#record}. */
    @Override
    public void record(String actor, String action, String target, Map<String, ?> details) {
        append(actor, action, target, details);
    }

    /** Records one entry and returns it, with its place in the chain. */
    public AuditEntry append(String actor, String action, String target, Map<String, ?> details) {
        AuditEntry.Draft draft = AuditEntry.draft(actor, action, target, details); // checked on the caller's thread, unlocked
        appending.lock();
        try {
            if (closed) {
                throw new AuditException(file + ": the audit log is closed; " + action + " was not recorded", null);
            }
            if (broken != null) {
                throw new AuditException(file + ": the audit log stopped taking entries after a write failed and could not"
                        + " be undone (" + broken.getMessage() + "); " + action + " was not recorded", broken);
            }
            AuditHead h = head;
            AuditEntry e = AuditEntry.seal(draft, h.seq() + 1, clock.instant(), h.hash());
            byte[] line = (e.line() + "\n").getBytes(StandardCharsets.UTF_8);
            if (line.length > MAX_LINE_BYTES) {
                throw new IllegalArgumentException("audit entry of " + line.length + " bytes is longer than " + MAX_LINE_BYTES);
            }
            write(line, action);
            head = e.head();
            return e;
        } finally {
            appending.unlock();
        }
    }

    /** The last entry's sequence number and hash (seq 0 and the genesis hash while the log is empty). */
    public AuditHead head() {
        return head;
    }

    public Path file() {
        return file;
    }

    private void write(byte[] line, String action) {
        ByteBuffer buf = ByteBuffer.wrap(line);
        long pos = size;
        try {
            while (buf.hasRemaining()) {
                pos += channel.write(buf, pos);
            }
            channel.force(false);
            size = pos;
        } catch (IOException e) {
            try {
                channel.truncate(size);
                channel.force(false);
            } catch (IOException undo) {
                broken = undo;
            }
            throw new AuditException(file + ": writing the audit entry failed (" + e.getMessage() + "); " + action
                    + " was not recorded", e);
        }
    }

    /** Reads the last entry and sets aside an unfinished line after it. */
    private void recover() throws IOException {
        long fileSize = channel.size();
        int window = (int) Math.min(fileSize, 2L * MAX_LINE_BYTES + 2);
        long base = fileSize - window;
        byte[] b = new byte[window];
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            if (channel.read(buf, base + buf.position()) < 0) {
                throw new IOException("the file shrank while it was read");
            }
        }
        int nl = lastNewline(b, window - 1);
        long tornAt;
        if (nl < 0) {
            if (base > 0) {
                throw damaged("its last " + window + " bytes hold no line end");
            }
            tornAt = 0;
        } else {
            tornAt = base + nl + 1;
            int start = lastNewline(b, nl - 1) + 1;
            if (start == 0 && base > 0) {
                throw damaged("its last line is longer than any entry can be");
            }
            AuditEntry last;
            try {
                last = AuditEntry.parse(Arrays.copyOfRange(b, start, nl));
            } catch (IllegalArgumentException e) {
                throw damaged("its last line is not an audit entry: " + e.getMessage());
            }
            if (!last.computedHash().equals(last.hash())) {
                throw damaged("its last entry, seq " + last.seq() + ", does not match its own hash");
            }
            head = last.head();
        }
        size = tornAt;
        if (tornAt < fileSize) {
            Map<String, Object> details = quarantine(Arrays.copyOfRange(b, (int) (tornAt - base), window), tornAt);
            append(SYSTEM, Actions.AUDIT_RECOVERED, null, details);
        }
    }

    private Map<String, Object> quarantine(byte[] torn, long tornAt) throws IOException {
        String stamp = STAMP.format(clock.instant());
        Path q = file.resolveSibling(file.getFileName() + ".torn-" + stamp);
        for (int i = 2; Files.exists(q); i++) {
            q = file.resolveSibling(file.getFileName() + ".torn-" + stamp + "-" + i);
        }
        try (FileChannel out = posix(file)
                ? FileChannel.open(q, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(FILE_MODE))
                : FileChannel.open(q, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(torn);
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            out.force(true);
        }
        channel.truncate(tornAt);
        channel.force(true);
        syncDirectory(file);
        log.warn("audit log {}: an unfinished last line ({} bytes, left by a crash) was moved to {}; the chain goes on"
                + " from seq {} with an audit.recovered entry", file, torn.length, q, head.seq());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("file", q.getFileName().toString());
        d.put("bytes", torn.length);
        d.put("sha256", sha256(torn));
        d.put("after_seq", head.seq());
        return d;
    }

    private StoreException damaged(String what) {
        return new StoreException(file + ": " + what + ". A crash leaves only an unfinished last line, so the file was"
                + " changed outside Corral, and Corral will not extend a chain it cannot trust. Run 'corral audit verify"
                + " --file " + file + "' to find the first bad entry, keep the file as evidence, and move it aside to"
                + " start a new log.", null);
    }

    private static int lastNewline(byte[] b, int from) {
        for (int i = from; i >= 0; i--) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static FileChannel openPrivate(Path f) throws IOException {
        Set<StandardOpenOption> options = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
        if (!posix(f)) {
            return FileChannel.open(f, options);
        }
        FileChannel ch = FileChannel.open(f, options, PosixFilePermissions.asFileAttribute(FILE_MODE));
        try {
            if (!Files.getPosixFilePermissions(f).equals(FILE_MODE)) {
                Files.setPosixFilePermissions(f, FILE_MODE); // made by hand, or with a wide umask
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    /** Makes a new or renamed file's directory entry durable (a crash must not lose the file itself). */
    private static void syncDirectory(Path f) {
        Path dir = f.toAbsolutePath().getParent();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("could not fsync the directory {}: {}", dir, e.toString()); // not every platform can
        }
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing; the first error is the one to report
            }
        }
    }

    /** Closes the file and releases the lock; entries recorded after this fail with AuditException. */
    @Override
    public void close() {
        appending.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            appending.unlock();
        }
        closeQuietly(channel);
        try {
            fileLock.release();
        } catch (IOException | RuntimeException e) {
            log.debug("releasing {} failed: {}", fileLock, e.toString());
        }
        closeQuietly(lockChannel);
        HELD.remove(heldKey);
    }
}
