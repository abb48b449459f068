package dev.corral.usage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An instance directory whose server is gone, locked by this one while it replays it, then deleted or let go. */
final class JournalClaim {
    private static final Logger log = LoggerFactory.getLogger(UsageJournal.class);

    final Path dir;
    final FileChannel channel;
    final FileLock lock;
    /** The segment files read back, deleted with the claim. */
    final List<Path> files = new ArrayList<>();

    private JournalClaim(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the directory's lock; null when its server still runs (or it cannot be locked now). */
    static JournalClaim take(Path d) {
        Path lockFile = d.resolve(JournalInstance.LOCK_FILE);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                return null; // its server is running
            }
            return new JournalClaim(d, ch, l);
        } catch (OverlappingFileLockException e) {
            closeQuietly(ch);
            return null; // a server in this JVM holds it
        } catch (IOException e) {
            closeQuietly(ch);
            log.warn("cannot lock the usage journal {}: {}; it is left for a later start", d, e.toString());
            return null;
        }
    }

    void delete() {
        try {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir.resolve(JournalInstance.LOCK_FILE));
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

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to add
            }
        }
    }
}
