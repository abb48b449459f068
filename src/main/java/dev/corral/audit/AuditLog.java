package dev.corral.audit;

import dev.corral.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The audit log file: an append-only chain of {@link AuditEntry} lines ({@code audit.log} in the
 * state directory, 0600), each holding the hash of the one before. This class appends; the parts are
 * the one-writer lock ({@link AuditWriterLock}), the reading of the end at open ({@link AuditTail}) and
 * the file handling ({@link PrivateFiles}).
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
 *
 * <p><b>Shared chain.</b> On a store several instances share, every entry is also appended to the
 * chain in the store ({@link #alsoTo}, {@link SharedAuditChain}) after it is on disk here. If that
 * append fails (the database is away), the entry is in this file only, and the server log says so.
 */
public final class AuditLog implements Audit, AutoCloseable {
    public static final String FILE_NAME = "audit.log";
    /** No entry is longer: details are at most 4 KiB and every other member is bounded. */
    static final int MAX_LINE_BYTES = 16 * 1024;

    private final Path file;
    private final Clock clock;
    private final FileChannel channel;
    private final AuditWriterLock writerLock;
    private final ReentrantLock appending = new ReentrantLock();
    private volatile AuditHead head;
    private long size; // guarded by appending
    private IOException broken; // guarded by appending
    private boolean closed; // guarded by appending
    private volatile SharedAuditChain shared;

    private AuditLog(Path file, Clock clock, FileChannel channel, AuditWriterLock writerLock, AuditHead head, long size) {
        this.file = file;
        this.clock = clock;
        this.channel = channel;
        this.writerLock = writerLock;
        this.head = head;
        this.size = size;
    }

    /**
     * Opens (creating it 0600 if missing) the log at {@code file}, locks it, and reads its last
     * entry, setting aside an unfinished last line (see the class comment). Fails with a
     * StoreException whose message says what to do when the log cannot be trusted or read, and
     * with a ConfigException when another process holds it.
     */
    public static AuditLog open(Path file, Clock clock) {
        AuditWriterLock writerLock = AuditWriterLock.claim(file);
        FileChannel channel = null;
        try {
            writerLock.take();
            boolean created = !Files.exists(file);
            channel = PrivateFiles.openPrivate(file);
            if (created) {
                PrivateFiles.syncDirectory(file);
            }
            AuditTail.Result tail = new AuditTail(file, channel, clock).read();
            AuditLog a = new AuditLog(file, clock, channel, writerLock, tail.head(), tail.size());
            if (tail.recovered() != null) {
                // The break is recorded in the chain itself, not skipped over.
                a.append(SYSTEM, Actions.AUDIT_RECOVERED, null, tail.recovered());
            }
            return a;
        } catch (IOException e) {
            PrivateFiles.closeQuietly(channel);
            writerLock.release();
            throw new StoreException(file + ": cannot open the audit log: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            PrivateFiles.closeQuietly(channel);
            writerLock.release();
            throw e;
        }
    }

    /** Records one entry; on disk when this returns. See {@link Audit#record}. */
    @Override
    public void record(String actor, String action, String target, Map<String, ?> details) {
        append(actor, action, target, details);
    }

    /** Records one entry and returns it, with its place in the chain. */
    public AuditEntry append(String actor, String action, String target, Map<String, ?> details) {
        AuditEntry.Draft draft = AuditEntry.draft(actor, action, target, details); // checked on the caller's thread, unlocked
        AuditEntry mirrored;
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
            mirrored = e;
        } finally {
            appending.unlock();
        }
        SharedAuditChain to = shared;
        if (to != null) {
            try {
                to.record(actor, action, target, details);
            } catch (RuntimeException ex) {
                org.slf4j.LoggerFactory.getLogger(AuditLog.class).warn("{} (seq {}) is in {} but not in the shared audit chain: {}",
                        action, mirrored.seq(), file, ex.getMessage());
            }
        }
        return mirrored;
    }

    /**
     * From now on, every entry is also appended to {@code chain}, the chain the instances on a shared
     * store write; it is closed with this log, after the last entry (server.stop).
     */
    public void alsoTo(SharedAuditChain chain) {
        this.shared = chain;
    }

    /** The last entry's sequence number and hash (seq 0 and the genesis hash while the log is empty). */
    public AuditHead head() {
        return head;
    }

    public Path file() {
        return file;
    }

    /** One positional write, then fdatasync; a failed write is cut back off so the chain stays whole. */
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
        PrivateFiles.closeQuietly(channel);
        writerLock.release();
        SharedAuditChain to = shared;
        if (to != null) {
            to.close();
        }
    }
}
