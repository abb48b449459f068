package dev.corral.audit;

import dev.corral.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the end of the audit log when it opens: the last entry, which the chain goes on from, and an
 * unfinished line after it (what a crash leaves), which it moves to {@code audit.log.torn-<UTC time>}
 * and cuts off. A last whole line that is not a valid entry is not what a crash leaves, so it refuses
 * the file. Only the last line is checked; {@code corral audit verify} checks the whole chain.
 */
final class AuditTail {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /**
     * What the end of the log held.
     *
     * @param head      the last entry's place in the chain (seq 0 and the genesis hash when there is none)
     * @param size      the length of the log's whole lines: where the next entry goes
     * @param recovered the details of the {@code audit.recovered} entry to record for a torn line set
     *                  aside, or null when there was none
     */
    record Result(AuditHead head, long size, Map<String, Object> recovered) {}

    private final Path file;
    private final FileChannel channel;
    private final Clock clock;

    AuditTail(Path file, FileChannel channel, Clock clock) {
        this.file = file;
        this.channel = channel;
        this.clock = clock;
    }

    /** Reads the last entry and sets aside an unfinished line after it. */
    Result read() throws IOException {
        AuditHead head = new AuditHead(0, AuditEntry.GENESIS);
        long fileSize = channel.size();
        int window = (int) Math.min(fileSize, 2L * AuditLog.MAX_LINE_BYTES + 2);
        long base = fileSize - window;
        byte[] b = new byte[window];
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            if (channel.read(buf, base + buf.position()) < 0) {
                throw new IOException("the file shrank while it was read");
            }
        }
        int nl = lastNewline(b, window - 1);
        long tornAt;
        if (nl < 0) {
            if (base > 0) {
                throw damaged("its last " + window + " bytes hold no line end");
            }
            tornAt = 0;
        } else {
            tornAt = base + nl + 1;
            int start = lastNewline(b, nl - 1) + 1;
            if (start == 0 && base > 0) {
                throw damaged("its last line is longer than any entry can be");
            }
            AuditEntry last;
            try {
                last = AuditEntry.parse(Arrays.copyOfRange(b, start, nl));
            } catch (IllegalArgumentException e) {
                throw damaged("its last line is not an audit entry: " + e.getMessage());
            }
            if (!last.computedHash().equals(last.hash())) {
                throw damaged("its last entry, seq " + last.seq() + ", does not match its own hash");
            }
            head = last.head();
        }
        Map<String, Object> recovered = null;
        if (tornAt < fileSize) {
            recovered = quarantine(Arrays.copyOfRange(b, (int) (tornAt - base), window), tornAt, head);
        }
        return new Result(head, tornAt, recovered);
    }

    /** Moves the torn bytes to their own file (fsynced), cuts them off the log; the details to record. */
    private Map<String, Object> quarantine(byte[] torn, long tornAt, AuditHead head) throws IOException {
        String stamp = STAMP.format(clock.instant());
        Path q = file.resolveSibling(file.getFileName() + ".torn-" + stamp);
        for (int i = 2; Files.exists(q); i++) {
            q = file.resolveSibling(file.getFileName() + ".torn-" + stamp + "-" + i);
        }
        try (FileChannel out = PrivateFiles.createPrivate(q)) {
            ByteBuffer buf = ByteBuffer.wrap(torn);
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            out.force(true);
        }
        channel.truncate(tornAt);
        channel.force(true);
        PrivateFiles.syncDirectory(file);
        log.warn("audit log {}: an unfinished last line ({} bytes, left by a crash) was moved to {}; the chain goes on"
                + " from seq {} with an audit.recovered entry", file, torn.length, q, head.seq());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("file", q.getFileName().toString());
        d.put("bytes", torn.length);
        d.put("sha256", sha256(torn));
        d.put("after_seq", head.seq());
        return d;
    }

    private StoreException damaged(String what) {
        return new StoreException(file + ": " + what + ". A crash leaves only an unfinished last line, so the file was"
                + " changed outside Corral, and Corral will not extend a chain it cannot trust. Run 'corral audit verify"
                + " --file " + file + "' to find the first bad entry, keep the file as evidence, and move it aside to"
                + " start a new log.", null);
    }

    private static int lastNewline(byte[] b, int from) {
        for (int i = from; i >= 0; i--) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
