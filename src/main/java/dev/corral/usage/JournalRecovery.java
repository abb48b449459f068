package dev.corral.usage;

import dev.corral.store.UsageRecord;
import java.util.List;

/**
 * What the journals of servers that are gone held ({@link UsageJournal#recover}); it keeps their
 * directories locked until the records are safe elsewhere ({@link #discard}) or let go ({@link #close}).
 */
public final class JournalRecovery implements AutoCloseable {
    private final List<UsageRecord> records;
    private final List<JournalClaim> claims;
    private final int segments;
    private final int tornLines;
    private final int interrupted;

    JournalRecovery(List<UsageRecord> records, List<JournalClaim> claims, int segments, int tornLines, int interrupted) {
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
        for (JournalClaim c : claims) {
            c.delete();
        }
        claims.clear();
    }

    /** Lets the old journals go without deleting them (the next start reads them again; storing is idempotent). */
    @Override
    public void close() {
        for (JournalClaim c : claims) {
            c.release();
        }
        claims.clear();
    }
}
