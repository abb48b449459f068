package dev.corral.usage;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One usage journal segment file open for appending, and the count of its lines whose records are not yet stored. */
final class JournalSegment {
    private static final Logger log = LoggerFactory.getLogger(UsageJournal.class);

    final Path file;
    final FileOutputStream out;
    /** Lines whose record is not in the store yet (a begin counts until its request's record is stored). */
    final AtomicInteger unsettled = new AtomicInteger();
    /** Bytes written; guarded by the appender's lock. */
    long size;
    /** Lines were added since the last fsync. */
    volatile boolean dirty;
    boolean streamClosed;

    JournalSegment(Path file, FileOutputStream out, long size) {
        this.file = file;
        this.out = out;
        this.size = size;
    }

    /** Forces the file to disk; false (and a warning) when that fails. */
    boolean sync() {
        try {
            out.getFD().sync();
            return true;
        } catch (IOException e) {
            log.warn("fsync of {} failed: {}", file.getFileName(), e.toString());
            return false;
        }
    }
}
