package dev.corral.audit;

import dev.corral.store.AuditRows;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * The audit chain several instances share, kept in the store ({@link AuditRows}, PostgreSQL): entries
 * exactly like audit.log's lines, each chained to the one before whichever instance wrote it (the
 * store serializes appends). {@link #verify} checks it with the same {@link AuditVerifier} as the file.
 */
public final class SharedAuditChain implements Audit, AutoCloseable {
    private final AuditRows rows;
    private final Clock clock;

    public SharedAuditChain(AuditRows rows, Clock clock) {
        this.rows = rows;
        this.clock = clock;
    }

    @Override
    public void record(String actor, String action, String target, Map<String, ?> details) {
        append(actor, action, target, details);
    }

    /** Appends one entry after the chain's last, whoever wrote that; returns it. */
    public AuditEntry append(String actor, String action, String target, Map<String, ?> details) {
        AuditEntry.Draft draft = AuditEntry.draft(actor, action, target, details);
        AuditEntry[] sealed = new AuditEntry[1];
        rows.append(last -> {
            AuditHead h = last == null ? new AuditHead(0, AuditEntry.GENESIS)
                    : AuditEntry.parse(last.line().getBytes(StandardCharsets.UTF_8)).head();
            AuditEntry e = AuditEntry.seal(draft, h.seq() + 1, clock.instant(), h.hash());
            sealed[0] = e;
            return new AuditRows.Row(e.seq(), e.line());
        });
        return sealed[0];
    }

    /**
     * Copies an audit.log into an empty shared chain, line for line (`corral store copy`): the chain then
     * continues the instance's own, and verifies from its first entry. The file must verify first.
     *
     * @return how many entries were copied
     */
    public static long importLog(AuditRows rows, Path file) throws IOException {
        long[] have = {0};
        rows.forEach(r -> have[0]++);
        if (have[0] > 0) {
            throw new dev.corral.store.StoreException("the shared audit chain already holds " + have[0] + " entries; " + file
                    + " can only be copied into an empty one", null, "audit chain not empty");
        }
        AuditVerifier.Result check = AuditVerifier.verify(file, null);
        if (!check.ok()) {
            throw new dev.corral.store.StoreException(check.problem().sentence(file) + " Not copied: check it with corral audit"
                    + " verify --file " + file + " and set it aside first", null, "audit log damaged");
        }
        long n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            AuditEntry e = AuditEntry.parse(line.getBytes(StandardCharsets.UTF_8));
            rows.append(last -> {
                long before = last == null ? 0 : last.seq();
                if (before != e.seq() - 1) {
                    throw new dev.corral.store.StoreException("another writer appended to the shared audit chain during the copy (seq " + before
                            + " before " + file + "'s seq " + e.seq() + "); stop every instance on the database and copy again"
                            + " into a new one", null, "audit chain changed");
                }
                return new AuditRows.Row(e.seq(), line);
            });
            n++;
        }
        return n;
    }

    /** Closes the chain's connection to the store. */
    @Override
    public void close() {
        rows.close();
    }

    /**
     * Verifies the whole chain as `corral audit verify` does a file: the rows are written, in order, to a
     * private temporary file in {@code tempDir} (deleted afterwards) and checked there, so a problem is
     * named by its seq exactly as in audit.log.
     */
    public static AuditVerifier.Result verify(AuditRows rows, String expectedHead, Path tempDir) throws IOException {
        Path tmp = Files.createTempFile(tempDir, "corral-audit-", ".log"); // 0600: createTempFile's default on POSIX
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                rows.forEach(r -> {
                    try {
                        out.write((r.line() + "\n").getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
            return AuditVerifier.verify(tmp, expectedHead);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
