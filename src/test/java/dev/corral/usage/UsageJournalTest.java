package dev.corral.usage;

import dev.corral.store.UsageRecord;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The usage journal on real files: line format, rotation, settling, replay after a crash, torn lines. */
class UsageJournalTest {
    private static final Instant T = Instant.parse("2025-03-01T12:00:00.123Z");
    private Path root;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createTempDirectory("corral-journal-").resolve("usage-journal");
    }

    @AfterEach
    void tearDown() throws Exception {
        try (Stream<Path> walk = Files.walk(root.getParent())) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static UsageRecord record(String id, String model) {
        return new UsageRecord(T, id, "k3x9m2p7q4wa", "chat", model, 200, "completed", 12, 34, 56, 78, 910);
    }

    @Test
    void linesReadBackAsTheyWereWrittenWhateverTheModelNameHolds() {
        for (String model : List.of("llama3.2:3b", "a\"quoted\\model", "mödel-ünïcode", "emoji-\uD83E\uDD99", "ctl\n\t\u0001",
                "")) {
            JournalCodec c = new JournalCodec().end(record("r1", model));
            String line = new String(c.bytes(), 0, c.length(), StandardCharsets.ISO_8859_1);
            assertThat(line).endsWith("\n").doesNotContain("\r");
            assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n");
            assertThat(line.chars().allMatch(ch -> ch < 0x80)).as("ASCII only: %s", line).isTrue();
            JournalCodec.Line back = JournalCodec.parse(line.substring(0, line.length() - 1));
            assertThat(back).isNotNull();
            assertThat(back.begin()).isFalse();
            assertThat(back.record()).isEqualTo(record("r1", model));
        }
        UsageRecord nulls = new UsageRecord(T, "r2", "k", null, null, 499, "client_gone", -1, -1, 0, 0, 0);
        JournalCodec c = new JournalCodec().end(nulls);
        assertThat(JournalCodec.parse(new String(c.bytes(), 0, c.length() - 1, StandardCharsets.ISO_8859_1)).record())
                .isEqualTo(nulls);
    }

    @Test
    void aBeginReadsBackAsAnInterruptedRecordHoldingItsReservation() {
        JournalCodec c = new JournalCodec().begin("r9", T.toEpochMilli(), "key1", "basic", "generate", "qwen2.5:7b", 400, 100, 2048);
        JournalCodec.Line l = JournalCodec.parse(new String(c.bytes(), 0, c.length() - 1, StandardCharsets.ISO_8859_1));
        assertThat(l.begin()).isTrue();
        assertThat(l.record()).isEqualTo(new UsageRecord(T, "r9", "key1", "generate", "qwen2.5:7b", 0, "interrupted",
                100, 2048, 0, 400, 0, "basic"));
        // a begin line written before auth was journaled reads back with auth unknown
        JournalCodec.Line older = JournalCodec.parse("{\"begin\":\"r8\",\"ts\":" + T.toEpochMilli() + ",\"key\":\"key1\","
                + "\"route\":\"chat\",\"model\":\"m\",\"bytes_in\":4,\"prompt\":1,\"completion\":2}");
        assertThat(older.record().auth()).isNull();
        assertThat(older.record().outcome()).isEqualTo("interrupted");
    }

    @Test
    void segmentsRotateBySizeAndSettledOnesAreDeleted() throws Exception {
        UsageJournal j = UsageJournal.open(root, 4096);
        List<UsageJournal.Pending> pending = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            pending.add(end(j, record("r" + i, "llama3.2:3b")));
        }
        assertThat(pending).allMatch(UsageJournal.Pending::journaled);
        int files = segmentFiles(j.directory()).size();
        assertThat(files).isGreaterThan(3);
        assertThat(j.segments()).isEqualTo(files);
        j.maintain();
        assertThat(segmentFiles(j.directory())).hasSize(files); // nothing stored yet: every segment stays
        pending.forEach(j::stored);
        j.maintain();
        assertThat(segmentFiles(j.directory())).hasSize(1); // only the one being written
        j.close();
        assertThat(j.directory()).doesNotExist();
        assertThat(root).isEmptyDirectory();
    }

    @Test
    void aSegmentStaysWhileARequestAdmittedInItHasNoStoredRecord() throws Exception {
        UsageJournal j = UsageJournal.open(root, 4096);
        j.begin("long", T, "k", "key", "chat", "m", 10, 3, 100);
        Path first = segmentFiles(j.directory()).get(0);
        List<UsageJournal.Pending> others = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            others.add(end(j, record("r" + i, "m")));
        }
        others.forEach(j::stored);
        j.maintain();
        assertThat(first).exists();
        assertThat(j.openBegins()).isEqualTo(1);
        UsageJournal.Pending end = end(j, record("long", "m"));
        assertThat(j.openBegins()).isZero();
        j.maintain();
        assertThat(first).exists(); // its record is made but not stored yet
        j.stored(end);
        j.maintain();
        assertThat(first).doesNotExist();
        j.close();
    }

    @Test
    void afterACrashReplayGivesOneRecordPerRequestAndInterruptedOnesForRequestsThatNeverEnded() throws Exception {
        UsageJournal dead = UsageJournal.open(root, 4096);
        for (int i = 0; i < 60; i++) {
            dead.begin("r" + i, T, "k", "key", "generate", "m", 40, 10, 500);
        }
        for (int i = 0; i < 40; i++) {
            UsageJournal.Pending p = end(dead, record("r" + i, "m"));
            if (i < 10) {
                dead.stored(p); // stored before the crash: replaying it again is harmless (inserts are idempotent)
            }
        }
        end(dead, new UsageRecord(T, "refused-1", "k", "chat", "m", 429, "refused", -1, -1, 0, 5, 80)); // never admitted
        dead.abandon(); // kill -9
        assertThat(segmentFiles(dead.directory()).size()).isGreaterThan(1);

        UsageJournal next = UsageJournal.open(root, 4096);
        try (JournalRecovery rec = next.recover()) {
            Map<String, UsageRecord> byId = new LinkedHashMap<>();
            rec.records().forEach(r -> assertThat(byId.put(r.requestId(), r)).as("one record per request").isNull());
            assertThat(byId).hasSize(61);
            assertThat(rec.interrupted()).isEqualTo(20);
            assertThat(rec.tornLines()).isZero();
            for (int i = 0; i < 40; i++) {
                assertThat(byId.get("r" + i)).isEqualTo(record("r" + i, "m"));
            }
            for (int i = 40; i < 60; i++) {
                assertThat(byId.get("r" + i)).isEqualTo(new UsageRecord(T, "r" + i, "k", "generate", "m", 0, "interrupted",
                        10, 500, 0, 40, 0, "key"));
            }
            assertThat(byId.get("refused-1").outcome()).isEqualTo("refused");
            rec.discard();
        }
        assertThat(dead.directory()).doesNotExist();
        next.close();
        assertThat(root).isEmptyDirectory();
    }

    @Test
    void aTornLastLineIsSkippedAndEverythingBeforeItIsKept() throws Exception {
        UsageJournal dead = UsageJournal.open(root, 1 << 20);
        dead.begin("a", T, "k", "key", "chat", "m", 8, 2, 50);
        end(dead, record("b", "m"));
        dead.begin("c", T, "k", "key", "chat", "m", 8, 2, 50);
        dead.abandon();
        Path seg = segmentFiles(dead.directory()).get(0);
        byte[] whole = Files.readAllBytes(seg);
        // A crash in the middle of a line (power loss, or a write cut short by a full disk):
        String torn = "{\"end\":\"c\",\"ts\":1740830400123,\"key\":\"k\",\"route\":\"chat\",\"mo";
        Files.write(seg, torn.getBytes(StandardCharsets.US_ASCII), java.nio.file.StandardOpenOption.APPEND);
        assertThat(Files.size(seg)).isEqualTo(whole.length + torn.length());

        UsageJournal next = UsageJournal.open(root, 1 << 20);
        try (JournalRecovery rec = next.recover()) {
            assertThat(rec.tornLines()).isEqualTo(1);
            assertThat(rec.records()).extracting(UsageRecord::requestId).containsExactlyInAnyOrder("a", "b", "c");
            assertThat(rec.records()).filteredOn(r -> r.requestId().equals("c")).extracting(UsageRecord::outcome)
                    .containsExactly("interrupted");
        }
        next.close();
    }

    @Test
    void garbageAnywhereInASegmentCostsOnlyThatLine() {
        String text = "{\"journal\":\"corral-usage\",\"version\":1}\n"
                + "{\"begin\":\"x\",\"ts\":1,\"key\":\"k\",\"route\":null,\"model\":null,\"bytes_in\":0,\"prompt\":1,\"completion\":2}\n"
                + "\u0000\u0000\u0000\u0000\n" // a hole a file system left after a power cut
                + "{\"end\":\"y\",\"ts\":2,\"key\":\"k\",\"route\":\"chat\",\"model\":\"m\",\"status\":200,\"outcome\":\"completed\","
                + "\"prompt\":1,\"completion\":1,\"duration_ms\":3,\"bytes_in\":4,\"bytes_out\":5}{\"end\":\"z\"}\n"
                + "{\"end\":\"w\",\"ts\":2,\"key\":\"k\",\"route\":\"chat\",\"model\":\"m\",\"status\":200,\"outcome\":\"completed\","
                + "\"prompt\":1,\"completion\":1,\"duration_ms\":3,\"bytes_in\":4,\"bytes_out\":5}\n";
        Map<String, UsageRecord> begins = new LinkedHashMap<>();
        Map<String, UsageRecord> ends = new LinkedHashMap<>();
        int torn = JournalReplay.readLines(text.getBytes(StandardCharsets.ISO_8859_1), begins, ends);
        assertThat(torn).isEqualTo(2);
        assertThat(begins).containsOnlyKeys("x");
        assertThat(ends).containsOnlyKeys("w");
    }

    @Test
    void aRunningServersJournalIsNeverReplayedByAnother() throws Exception {
        UsageJournal live = UsageJournal.open(root, 4096);
        live.begin("in-flight", T, "k", "key", "chat", "m", 8, 2, 50);
        UsageJournal other = UsageJournal.open(root, 4096);
        try (JournalRecovery rec = other.recover()) {
            assertThat(rec.records()).isEmpty();
            rec.discard();
        }
        assertThat(live.directory()).exists();
        other.close();
        live.close();
        assertThat(live.directory()).exists(); // the begin never ended: kept for the next start
    }

    @Test
    void journalDirectoriesAre0700AndSegments0600() throws Exception {
        UsageJournal j = UsageJournal.open(root, 4096);
        end(j, record("r", "m"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(j.directory()))).isEqualTo("rwx------");
        for (Path f : segmentFiles(j.directory())) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        }
        j.close();
    }

    @Test
    void aJournalThatCannotBeCreatedSaysWhyAndRecoversWhenItCan() throws Exception {
        Files.createDirectories(root.getParent());
        Files.writeString(root, "a file where the journal directory should be");
        UsageJournal j = UsageJournal.open(root, 4096);
        assertThat(j.failure()).isNotNull();
        j.begin("r", T, "k", "key", "chat", "m", 8, 2, 50);
        assertThat(j.linesNotWritten()).isEqualTo(1);
        assertThat(j.openBegins()).isZero();
        UsageJournal.Pending p = end(j, record("r", "m"));
        assertThat(p.journaled()).isFalse();
        Files.delete(root);
        dev.corral.testing.Eventually.await("the journal to recover", java.time.Duration.ofSeconds(10), () -> {
            j.maintain();
            return j.failure() == null;
        });
        // A record still waiting for the store is journaled once the journal works again.
        assertThat(j.journal(List.of(p))).isTrue();
        assertThat(p.journaled()).isTrue();
        j.close();
        assertThat(j.directory()).exists(); // p was never stored: its end line stays for the next start
    }

    /** What the event loop and the writer thread do for a finished request: the record, then its end line. */
    static UsageJournal.Pending end(UsageJournal j, UsageRecord r) {
        UsageJournal.Pending p = j.finished(r);
        j.journal(List.of(p));
        return p;
    }

    private static List<Path> segmentFiles(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jnl")).sorted().toList();
        }
    }
}
