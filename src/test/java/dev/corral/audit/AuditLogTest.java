package dev.corral.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.config.ConfigException;
import dev.corral.store.StoreException;
import dev.corral.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log file itself: the chain it writes, its mode, its lock, many writers at once, and crashes. */
class AuditLogTest {
    @TempDir
    Path dir;

    Path file() {
        return dir.resolve(AuditLog.FILE_NAME);
    }

    @Test
    void entriesChainFromTheGenesisAndTheHeadFollowsThem() throws Exception {
        try (AuditLog log = AuditLog.open(file(), new MutableClock(Instant.parse("2025-06-01T12:00:00.123456Z")))) {
            assertThat(log.head()).isEqualTo(new AuditHead(0, AuditEntry.GENESIS));
            AuditEntry first = log.append(Audit.SYSTEM, Actions.SERVER_START, null, Map.of("version", "dev"));
            AuditEntry second = log.append("uid:1000", Actions.KEY_REVOKE, "aaaaaaaaaaaa", Map.of());
            assertThat(first.seq()).isEqualTo(1);
            assertThat(first.prev()).isEqualTo("0".repeat(64));
            assertThat(first.time()).isEqualTo("2025-06-01T12:00:00.123Z");
            assertThat(second.prev()).isEqualTo(first.hash());
            assertThat(second.hash()).isEqualTo(second.computedHash()).matches("[0-9a-f]{64}");
            assertThat(log.head()).isEqualTo(new AuditHead(2, second.hash()));
        }
        List<String> lines = Files.readAllLines(file());
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).isEqualTo("{\"action\":\"key.revoke\",\"actor\":\"uid:1000\",\"details\":{},\"hash\":\""
                + AuditFiles.hashOf(lines, 2) + "\",\"prev\":\"" + AuditFiles.hashOf(lines, 1)
                + "\",\"seq\":2,\"target\":\"aaaaaaaaaaaa\",\"time\":\"2025-06-01T12:00:00.123Z\"}");
    }

    @Test
    void theCanonicalFormIsThePublishedOneByteForByte() {
        // Computed independently with Python: json.dumps(e, sort_keys=True, separators=(",", ":"),
        // ensure_ascii=False), then hashlib.sha256 (see AuditEntry's class comment).
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", "\u00e5lice \"ops\"\\\n\t\u0001\u007f \u2603 \uD834\uDD1E");
        details.put("scopes", List.of("inference", "meta"));
        details.put("limits", Map.of("rpm", 60, "tpm", 0L, "daily_tokens", 9007199254740991L));
        details.put("expires_at", null);
        details.put("admin", false);
        AuditEntry e = AuditEntry.seal(AuditEntry.draft("uid:1000", "key.create", "k3x9m2p7q4wa", details), 1,
                Instant.parse("2025-06-01T12:00:00Z"), AuditEntry.GENESIS);
        assertThat(e.canonical()).isEqualTo("{\"action\":\"key.create\",\"actor\":\"uid:1000\",\"details\":{\"admin\":false,"
                + "\"expires_at\":null,\"limits\":{\"daily_tokens\":9007199254740991,\"rpm\":60,\"tpm\":0},"
                + "\"name\":\"\u00e5lice \\\"ops\\\"\\\\\\n\\t\\u0001\u007f \u2603 \uD834\uDD1E\",\"scopes\":[\"inference\",\"meta\"]},"
                + "\"prev\":\"" + "0".repeat(64) + "\",\"seq\":1,\"target\":\"k3x9m2p7q4wa\",\"time\":\"2025-06-01T12:00:00.000Z\"}");
        assertThat(e.hash()).isEqualTo("a2bea6a1de1816bc93472ee3140021ec679d97a1865f1f5f59119bdf276693d1");
        assertThat(AuditEntry.parse(e.line().getBytes(StandardCharsets.UTF_8))).isEqualTo(e);
    }

    @Test
    void anOutsideVerifierReimplementsTheChainFromTheClassComment() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(onPath("python3"), "python3 is not installed");
        try (AuditLog log = AuditLog.open(file(), Clock.systemUTC())) {
            log.record(Audit.SYSTEM, Actions.SERVER_START, null, Map.of("version", "dev"));
            log.record("user:\u00e9mile", Actions.KEY_CREATE, "\u2603 target", Map.of("name", "tab\there \"q\" \u0000\u001f\u2028",
                    "n", -42, "nested", Map.of("list", List.of(1, "two", true)), "none", new HashMap<>()));
            log.record(Audit.SYSTEM, Actions.SERVER_STOP, null, Map.of());
        }
        String script = String.join("\n",
                "import json, hashlib, sys",
                "prev, seq = '0' * 64, 0",
                "for raw in open(sys.argv[1], 'rb'):",
                "    e = json.loads(raw); h = e.pop('hash'); seq += 1",
                "    c = json.dumps(e, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()",
                "    assert hashlib.sha256(c).hexdigest() == h and e['seq'] == seq and e['prev'] == prev, seq",
                "    prev = h",
                "print(seq, prev)");
        Process p = new ProcessBuilder("python3", "-c", script, file().toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).isEqualTo("3 " + AuditFiles.hashOf(Files.readAllLines(file()), 3));
    }

    @Test
    void theFileIsPrivateAndAReopenedLogContinuesTheChain() throws Exception {
        try (AuditLog log = AuditLog.open(file(), Clock.systemUTC())) {
            log.record(Audit.SYSTEM, Actions.SERVER_START, null, Map.of());
            log.record(Audit.SYSTEM, Actions.SERVER_STOP, null, Map.of());
        }
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-r--r--")); // widened by hand
        try (AuditLog log = AuditLog.open(file(), Clock.systemUTC())) {
            assertThat(log.head().seq()).isEqualTo(2);
            assertThat(log.append(Audit.SYSTEM, Actions.SERVER_START, null, Map.of()).seq()).isEqualTo(3);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("audit.log.lock"))))
                .isEqualTo("rw-------");
        AuditVerifier.Result r = AuditVerifier.verify(file(), null);
        assertThat(r.ok()).isTrue();
        assertThat(r.entries()).isEqualTo(3);
    }

    @Test
    void manyThreadsRecordingAtOnceMakeOneChainWithoutGaps() throws Exception {
        int threads = 8;
        int each = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try (AuditLog log = AuditLog.open(file(), Clock.systemUTC())) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String actor = "uid:" + (1000 + t);
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        log.record(actor, Actions.KEY_UPDATE, null, Map.of("i", i));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(log.head().seq()).isEqualTo(threads * each);
        } finally {
            pool.shutdownNow();
        }
        AuditVerifier.Result r = AuditVerifier.verify(file(), null);
        assertThat(r.ok()).as("%s", r.problem()).isTrue();
        assertThat(r.entries()).isEqualTo(threads * each);
        Map<String, List<Long>> perActor = new HashMap<>();
        AuditReader.read(file(), new AuditReader.Visitor() {
            @Override
            public void entry(long line, AuditEntry e) {
                perActor.computeIfAbsent(e.actor(), a -> new ArrayList<>()).add((Long) e.details().get("i"));
            }

            @Override
            public void unreadable(long line, String why) {
                throw new AssertionError("line " + line + ": " + why);
            }
        });
        assertThat(perActor).hasSize(threads);
        perActor.values().forEach(is -> assertThat(is).as("each thread's entries, in its order")
                .isEqualTo(Stream.iterate(0L, i -> i + 1).limit(each).toList()));
    }

    @Test
    void aTornLastLineIsSetAsideAndTheRecoveryIsRecordedInTheChain() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2025-06-01T12:00:00Z"));
        String fourth;
        try (AuditLog log = AuditLog.open(file(), clock)) {
            for (int i = 0; i < 3; i++) {
                log.record(Audit.SYSTEM, Actions.CONFIG_RELOAD, null, Map.of("n", i));
            }
            fourth = AuditEntry.seal(AuditEntry.draft(Audit.SYSTEM, Actions.CONFIG_RELOAD, null, Map.of("n", 3)), 4,
                    clock.instant(), log.head().hash()).line();
        }
        String head3 = AuditFiles.hashOf(Files.readAllLines(file()), 3);
        byte[] torn = fourth.substring(0, 40).getBytes(StandardCharsets.UTF_8); // a crash in the middle of the write
        Files.write(file(), torn, StandardOpenOption.APPEND);
        AuditVerifier.Result before = AuditVerifier.verify(file(), null);
        assertThat(before.problem().kind()).isEqualTo(AuditVerifier.Kind.UNTERMINATED);
        assertThat(before.problem().line()).isEqualTo(4);

        clock.set(Instant.parse("2025-06-02T08:30:00Z"));
        try (AuditLog log = AuditLog.open(file(), clock)) {
            assertThat(log.head().seq()).isEqualTo(4);
        }
        Path aside = dir.resolve("audit.log.torn-20250602T083000Z");
        assertThat(Files.readAllBytes(aside)).isEqualTo(torn);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(aside))).isEqualTo("rw-------");
        List<String> lines = Files.readAllLines(file());
        assertThat(lines).hasSize(4);
        AuditEntry recovered = AuditEntry.parse(lines.get(3).getBytes(StandardCharsets.UTF_8));
        assertThat(recovered.action()).isEqualTo(Actions.AUDIT_RECOVERED);
        assertThat(recovered.prev()).isEqualTo(head3);
        assertThat(recovered.details()).containsEntry("file", aside.getFileName().toString())
                .containsEntry("bytes", 40L).containsEntry("after_seq", 3L)
                .containsEntry("sha256", AuditTail.sha256(torn));
        assertThat(AuditVerifier.verify(file(), head3).ok()).as("the chain goes on from the last whole entry").isTrue();
    }

    @Test
    void aLogThatIsOnlyATornLineStartsOverFromTheGenesis() throws Exception {
        Files.write(file(), new byte[] {0, 0, 0, 0, 0, 0});
        try (AuditLog log = AuditLog.open(file(), Clock.systemUTC())) {
            assertThat(log.head().seq()).isEqualTo(1);
        }
        AuditVerifier.Result r = AuditVerifier.verify(file(), null);
        assertThat(r.ok()).isTrue();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("audit.log.torn-"));
        }
    }

    @Test
    void aDamagedLastEntryIsNotACrashAndTheLogRefusesToGoOn() throws Exception {
        Path f = AuditFiles.sixEntries(dir);
        List<String> lines = AuditFiles.lines(f);
        lines.set(5, lines.get(5).replace("server.stop", "server.stoq"));
        AuditFiles.write(f, lines);
        byte[] evidence = Files.readAllBytes(f);

        assertThatThrownBy(() -> AuditLog.open(f, Clock.systemUTC())).isInstanceOf(StoreException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("does not match its own hash")
                .hasMessageContaining("corral audit verify");
        assertThat(Files.readAllBytes(f)).as("the evidence is left as it was").isEqualTo(evidence);
        lines.set(5, "not json at all");
        AuditFiles.write(f, lines);
        assertThatThrownBy(() -> AuditLog.open(f, Clock.systemUTC())).isInstanceOf(StoreException.class)
                .hasMessageContaining("not an audit entry");
        AuditFiles.write(f, AuditFiles.lines(f).subList(0, 5));
        try (AuditLog log = AuditLog.open(f, Clock.systemUTC())) {
            assertThat(log.head().seq()).as("the lock was released by the failed opens").isEqualTo(5);
        }
    }

    @Test
    void aSecondWriterOnTheSameLogIsRefusedUntilTheFirstCloses() {
        AuditLog first = AuditLog.open(file(), Clock.systemUTC());
        try {
            assertThatThrownBy(() -> AuditLog.open(file(), Clock.systemUTC())).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("another Corral process");
            first.record(Audit.SYSTEM, Actions.SERVER_START, null, Map.of());
        } finally {
            first.close();
        }
        first.close(); // idempotent
        assertThatThrownBy(() -> first.record(Audit.SYSTEM, Actions.SERVER_STOP, null, Map.of()))
                .isInstanceOf(AuditException.class).hasMessageContaining("closed");
        try (AuditLog second = AuditLog.open(file(), Clock.systemUTC())) {
            assertThat(second.head().seq()).isEqualTo(1);
        }
    }

    static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }
}
