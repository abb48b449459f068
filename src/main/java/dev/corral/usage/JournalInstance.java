package dev.corral.usage;

import dev.corral.store.StateDir;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's directory in the usage journal, {@code <root>/<instance>/}: made (0700) and locked on
 * first use and for as long as the server runs, so no other server replays it; it holds the numbered
 * segment files (0600), and goes away at close when none of them is left.
 */
final class JournalInstance {
    private static final Logger log = LoggerFactory.getLogger(UsageJournal.class);
    static final String LOCK_FILE = "lock";
    static final String SUFFIX = ".jnl";

    private final Path root;
    private final Path dir;
    private final AtomicInteger onDisk = new AtomicInteger();
    private FileChannel lockChannel;
    private FileLock instanceLock;
    private int nextNumber = 1;

    /** A new instance under {@code root}, named for the time, the process and chance; nothing is made yet. */
    JournalInstance(Path root) {
        this.root = root;
        this.dir = root.resolve(Long.toString(System.currentTimeMillis(), 36) + "-" + ProcessHandle.current().pid()
                + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 25), 36));
    }

    Path root() {
        return root;
    }

    Path directory() {
        return dir;
    }

    /** Segment files of this instance on disk now. */
    int segments() {
        return onDisk.get();
    }

    /**
     * Makes the next segment file, its header written. On failure nothing is left on disk (an empty or
     * header-only file would be skipped by replay anyway). Called under the appender's lock, or before
     * the journal is shared.
     */
    JournalSegment newSegment() throws IOException {
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
            return new JournalSegment(file, out, JournalCodec.HEADER.length);
        } catch (IOException | RuntimeException e) {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // the failure being thrown is what matters
                }
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // an empty or header-only file is skipped by replay
            }
            throw e;
        }
    }

    /** Deletes a segment whose lines are all settled. */
    void delete(JournalSegment s) throws IOException {
        Files.deleteIfExists(s.file);
        onDisk.decrementAndGet();
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

    /**
     * Lets the directory go at close: with no segment {@code left}, removes it (lock file first);
     * otherwise keeps it, unlocked, for the next start to replay.
     */
    void close(int left) {
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

    void releaseLock() {
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
}
