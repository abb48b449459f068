package dev.corral.usage;

import dev.corral.store.UsageRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads back the usage journals that servers now gone left under the journal root, into one record per request. */
final class JournalReplay {
    private static final Logger log = LoggerFactory.getLogger(UsageJournal.class);

    private JournalReplay() {
    }

    /**
     * Reads back the journals of every instance under {@code root} but {@code own} whose lock can be
     * taken (their server is gone), oldest segment first. Lines that do not parse are skipped. Ends are
     * taken as they are; a begin without an end becomes an {@code interrupted} record holding its
     * reservation. The caller stores the records and then {@link JournalRecovery#discard}s the old journals.
     */
    static JournalRecovery recover(Path root, Path own) {
        List<JournalClaim> claims = new ArrayList<>();
        Map<String, UsageRecord> ends = new LinkedHashMap<>();
        Map<String, UsageRecord> begins = new LinkedHashMap<>();
        int segments = 0;
        int torn = 0;
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, Files::isDirectory)) {
            ds.forEach(dirs::add);
        } catch (NoSuchFileException e) {
            return new JournalRecovery(List.of(), claims, 0, 0, 0);
        } catch (IOException e) {
            log.error("cannot list the usage journal {}: {}; earlier runs' records stay there until it can be read",
                    root, e.toString());
            return new JournalRecovery(List.of(), claims, 0, 0, 0);
        }
        dirs.sort(null);
        for (Path d : dirs) {
            if (d.equals(own)) {
                continue;
            }
            JournalClaim claim = JournalClaim.take(d);
            if (claim == null) {
                continue;
            }
            claims.add(claim);
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "*" + JournalInstance.SUFFIX)) {
                ds.forEach(files::add);
            } catch (IOException e) {
                log.error("cannot list {}: {}", d, e.toString());
                claims.remove(claim);
                claim.release();
                continue;
            }
            files.sort(null); // fixed-width numbers: name order is write order
            for (Path f : files) {
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(f);
                } catch (IOException e) {
                    log.error("cannot read {}: {}; it is kept for the next start", f, e.toString());
                    continue;
                }
                claim.files.add(f);
                segments++;
                torn += readLines(bytes, begins, ends);
            }
        }
        List<UsageRecord> out = new ArrayList<>(ends.values());
        int interrupted = 0;
        for (UsageRecord b : begins.values()) {
            if (!ends.containsKey(b.requestId())) {
                out.add(b);
                interrupted++;
            }
        }
        return new JournalRecovery(out, claims, segments, torn, interrupted);
    }

    /** Parses one segment's lines into begins and ends; returns how many lines did not parse. */
    static int readLines(byte[] bytes, Map<String, UsageRecord> begins, Map<String, UsageRecord> ends) {
        int torn = 0;
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i < bytes.length && bytes[i] != '\n') {
                continue;
            }
            if (i > start) {
                String text = new String(bytes, start, i - start, StandardCharsets.ISO_8859_1);
                JournalCodec.Line line = JournalCodec.parse(text);
                if (line == null) {
                    if (!text.startsWith("{\"journal\"")) {
                        torn++;
                    }
                } else if (line.begin()) {
                    begins.putIfAbsent(line.record().requestId(), line.record());
                } else {
                    ends.putIfAbsent(line.record().requestId(), line.record());
                }
            }
            start = i + 1;
        }
        return torn;
    }
}
