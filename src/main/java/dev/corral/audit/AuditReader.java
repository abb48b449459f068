package dev.corral.audit;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads an audit log's entries in order for listing, without checking the chain (that is
 * {@link AuditVerifier}'s job): a line that is not an entry is reported and skipped.
 */
public final class AuditReader {
    private AuditReader() {}

    /** Receives each entry, and each line that is not one. */
    public interface Visitor {
        void entry(long line, AuditEntry entry);

        void unreadable(long line, String why);
    }

    public static void read(Path file, Visitor visitor) throws IOException {
        try (AuditLines lines = new AuditLines(file)) {
            AuditLines.Line line;
            while ((line = lines.next()) != null) {
                if (line.tooLong()) {
                    visitor.unreadable(line.number(), "longer than any entry can be");
                    continue;
                }
                try {
                    visitor.entry(line.number(), AuditEntry.parse(line.bytes()));
                } catch (IllegalArgumentException e) {
                    visitor.unreadable(line.number(), e.getMessage());
                }
            }
        }
    }
}
