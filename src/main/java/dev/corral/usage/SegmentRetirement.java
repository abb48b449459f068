package dev.corral.usage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Segments no longer written, on their way out: the writer thread fsyncs and closes each, then
 * deletes it once none of its lines holds a record not yet in the store.
 */
final class SegmentRetirement {
    private final JournalInstance instance;
    /** Segments rotated or failed away, from any thread that appends. */
    private final ConcurrentLinkedQueue<JournalSegment> retired = new ConcurrentLinkedQueue<>();
    /** Segments closed, waiting for their lines to settle; writer thread only (or close, after it stopped). */
    private final List<JournalSegment> draining = new ArrayList<>();

    SegmentRetirement(JournalInstance instance) {
        this.instance = instance;
    }

    /** The segment is written no more; safe from any thread. */
    void retire(JournalSegment s) {
        retired.add(s);
    }

    /** Closes retired segments (fsync first) and deletes the settled ones. Under the journal's housekeeping lock. */
    void settle() {
        JournalSegment r;
        while ((r = retired.poll()) != null) {
            r.sync();
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
                instance.delete(s);
                return true;
            } catch (IOException e) {
                return false; // tried again next time
            }
        });
    }

    /** Segments kept because some of their lines are not settled. */
    int left() {
        return draining.size();
    }

    /** What kill -9 does: every stream closed as it is, nothing fsynced or deleted. Under the housekeeping lock. */
    void abandon() {
        JournalSegment r;
        while ((r = retired.poll()) != null) {
            try {
                r.out.close();
            } catch (IOException ignored) {
                // as good as dead
            }
        }
        for (JournalSegment d : draining) {
            try {
                d.out.close();
            } catch (IOException ignored) {
                // as good as dead
            }
        }
        draining.clear();
    }
}
