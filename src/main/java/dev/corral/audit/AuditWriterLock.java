package dev.corral.audit;

import dev.corral.config.ConfigException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log's one-writer lock: {@code audit.log.lock} next to the file, locked (fcntl) while the
 * log is open, so a second server or a CLI command on the same state directory cannot fork the chain.
 */
final class AuditWriterLock {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    /**
     * Lock files this JVM holds. POSIX drops a process's fcntl locks on a file when any descriptor for
     * it is closed, so a second open in the same JVM must be refused before it opens the lock file.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final Path lockFile;
    private final Path heldKey;
    private FileChannel channel;
    private FileLock lock;

    private AuditWriterLock(Path file) {
        this.file = file;
        this.lockFile = file.resolveSibling(file.getFileName() + ".lock");
        this.heldKey = lockFile.toAbsolutePath().normalize();
    }

    /** Claims the log for this JVM, opening nothing yet; fails when this JVM already has it open. */
    static AuditWriterLock claim(Path file) {
        AuditWriterLock l = new AuditWriterLock(file);
        if (!HELD.add(l.heldKey)) {
            throw inUse(file);
        }
        return l;
    }

    /** Opens the lock file (0600) and locks it; fails with a ConfigException when another process holds it. */
    void take() throws IOException {
        channel = PrivateFiles.openPrivate(lockFile);
        FileLock l;
        try {
            l = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            throw inUse(file);
        }
        lock = l;
    }

    /** Lets the log go: the lock, its file, and this JVM's claim. Safe after a failed {@link #take}. */
    void release() {
        if (lock != null) {
            try {
                lock.release();
            } catch (IOException | RuntimeException e) {
                log.debug("releasing {} failed: {}", lock, e.toString());
            }
        }
        PrivateFiles.closeQuietly(channel);
        HELD.remove(heldKey);
    }

    private static ConfigException inUse(Path file) {
        return new ConfigException(file + ": another Corral process has this audit log open (a server running on the"
                + " same state_dir?); stop it, or give this one its own state_dir");
    }
}
