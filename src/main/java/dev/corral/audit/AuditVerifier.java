package dev.corral.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Recomputes an audit log's chain from its first line and names the first line that breaks it: an
 * edit (hash mismatch, or a line rewritten out of canonical form), a deletion, insertion or
 * reordering (sequence gap, prev mismatch), or a line that is not an entry at all. A file whose tail
 * was cut off is still a valid chain; only the head the server published tells, so
 * {@code expectedHead} must be the last hash or appear somewhere in the file.
 */
public final class AuditVerifier {
    private AuditVerifier() {}

    /** What is wrong with a line. */
    public enum Kind {
        UNPARSABLE("unparsable line"),
        UNTERMINATED("unterminated last line"),
        HASH_MISMATCH("hash mismatch"),
        SEQUENCE_GAP("sequence gap"),
        SEQUENCE_OUT_OF_ORDER("sequence out of order"),
        PREV_MISMATCH("prev mismatch"),
        NOT_CANONICAL("not canonical"),
        TRUNCATED("truncated or replaced");

        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /**
     * The first problem: its 1-based line, the seq the line claims (null when it has none), what is
     * wrong and the particulars.
     */
    public record Problem(long line, Long seq, Kind kind, String detail) {
        /** One sentence naming the entry, e.g. "audit.log line 4 (seq 4): hash mismatch: ...". */
        public String sentence(Path file) {
            if (kind == Kind.TRUNCATED) {
                return file + ": " + kind.label + ": " + detail + ".";
            }
            String where = seq == null ? "" : " (seq " + seq + ")";
            return file + " line " + line + where + ": " + kind.label + ": " + detail + ".";
        }
    }

    /**
     * @param entries how many lines were valid entries before the problem (all of them when none)
     * @param last the head of the valid part: the last valid entry's seq and hash
     * @param problem the first problem, or null when the chain is intact
     * @param headSeq where the expected head was found (null when none was given, or not found)
     */
    public record Result(Path file, long entries, AuditHead last, Problem problem, Long headSeq) {
        public boolean ok() {
            return problem == null;
        }
    }

    /**
     * Verifies the log at {@code file}; {@code expectedHead} is the hash the server published, or
     * null. IOException only when the file cannot be read at all.
     */
    public static Result verify(Path file, String expectedHead) throws IOException {
        String wanted = expectedHead == null ? null : expectedHead.toLowerCase(Locale.ROOT);
        AuditHead last = new AuditHead(0, AuditEntry.GENESIS);
        Long headSeq = AuditEntry.GENESIS.equals(wanted) ? 0L : null;
        long entries = 0;
        try (AuditLines lines = new AuditLines(file)) {
            AuditLines.Line line;
            while ((line = lines.next()) != null) {
                Checked c = check(line, last);
                if (c.problem() != null) {
                    return new Result(file, entries, last, c.problem(), headSeq);
                }
                AuditEntry e = c.entry();
                last = e.head();
                entries++;
                if (e.hash().equals(wanted)) {
                    headSeq = e.seq();
                }
            }
        }
        if (wanted != null && headSeq == null) {
            return new Result(file, entries, last, new Problem(entries + 1, null, Kind.TRUNCATED,
                    "the published head " + wanted + " is not in the log, which ends at " + last
                            + " (line " + entries + "): entries were cut off its end, or the whole log was replaced"),
                    null);
        }
        return new Result(file, entries, last, null, headSeq);
    }

    private record Checked(AuditEntry entry, Problem problem) {
        static Checked bad(long line, Long seq, Kind kind, String detail) {
            return new Checked(null, new Problem(line, seq, kind, detail));
        }
    }

    /** The entry on {@code line}, or the problem with it, coming after the entry whose head is {@code before}. */
    private static Checked check(AuditLines.Line line, AuditHead before) {
        long n = line.number();
        if (line.tooLong()) {
            return Checked.bad(n, null, Kind.UNPARSABLE,
                    "longer than any entry can be (" + AuditLog.MAX_LINE_BYTES + " bytes)");
        }
        if (!line.terminated()) {
            return Checked.bad(n, null, Kind.UNTERMINATED, "the file ends without a newline after it: an unfinished write"
                    + " left by a crash (the server sets it aside when it next starts), or bytes appended by hand");
        }
        AuditEntry e;
        try {
            e = AuditEntry.parse(line.bytes());
        } catch (IllegalArgumentException ex) {
            return Checked.bad(n, null, Kind.UNPARSABLE, "not an audit entry: " + ex.getMessage());
        }
        String computed = e.computedHash();
        if (!computed.equals(e.hash())) {
            return Checked.bad(n, e.seq(), Kind.HASH_MISMATCH, "its contents hash to " + computed
                    + ", not to its recorded hash " + e.hash() + ", so it was changed after it was written");
        }
        long expected = before.seq() + 1;
        if (e.seq() != expected) {
            String after = before.seq() == 0 ? "the start of the log" : "seq " + before.seq();
            return Checked.bad(n, e.seq(), e.seq() > expected ? Kind.SEQUENCE_GAP : Kind.SEQUENCE_OUT_OF_ORDER,
                    "expected seq " + expected + " after " + after + ", found seq " + e.seq()
                            + ": an entry was deleted, inserted or moved");
        }
        if (!e.prev().equals(before.hash())) {
            String of = before.seq() == 0 ? "the genesis (64 zeros)" : "the entry before it (seq " + before.seq() + ")";
            return Checked.bad(n, e.seq(), Kind.PREV_MISMATCH, "its prev " + e.prev() + " is not the hash of " + of
                    + ", so an entry was inserted, removed or replaced before it");
        }
        if (!Arrays.equals(line.bytes(), e.line().getBytes(StandardCharsets.UTF_8))) {
            return Checked.bad(n, e.seq(), Kind.NOT_CANONICAL, "its values and hash agree, but the line is not in"
                    + " canonical form (spacing, member order or escapes changed), so it was rewritten");
        }
        return new Checked(e, null);
    }
}
