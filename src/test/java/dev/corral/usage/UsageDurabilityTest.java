package dev.corral.usage;

import dev.corral.store.UsageRecord;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.store.SqliteStore;
import dev.corral.store.StateDir;
import dev.corral.testing.Eventually;
import dev.corral.testing.TestGateway;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Rule 3 against a store that cannot take records: a database another process holds locked, a
 * full disk, both at start and while serving. Requests are served while records wait; at the bound
 * new requests get 503; once the store is back every served request is stored exactly once.
 */
class UsageDurabilityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GENERATE = "{\"model\":\"llama3.2:3b\",\"prompt\":\"hello there\",\"stream\":false}";
    private static final String CHAT = "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static SimConfig sim() {
        return SimConfig.defaults(new HostPort("127.0.0.1", 0));
    }

    private static String requestId(HttpResponse<?> r) {
        return r.headers().firstValue("X-Request-Id").orElseThrow();
    }

    @Test
    void requestsAreServedWhileTheDatabaseIsLockedAndEveryRecordIsStoredOnceAfterwards() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("usage.busy_timeout", "100ms"), sim())) {
            String key = gw.inferenceKey();
            UsageRecorder usage = gw.corral.usage();
            List<String> served = new ArrayList<>();
            try (Connection locker = DriverManager.getConnection("jdbc:sqlite:" + gw.stateDir.resolve(StateDir.DATABASE_FILE));
                 Statement st = locker.createStatement()) {
                st.execute("BEGIN EXCLUSIVE");
                for (int i = 0; i < 20; i++) {
                    HttpResponse<String> r = i % 2 == 0 ? gw.post("/api/generate", key, GENERATE)
                            : gw.post("/v1/chat/completions", key, CHAT);
                    assertThat(r.statusCode()).isEqualTo(200);
                    served.add(requestId(r));
                }
                // The writer used to drop a batch after 5 failed attempts; now it keeps every record and retries.
                Eventually.await("more failed writes than the old writer allowed", Duration.ofSeconds(60),
                        () -> usage.failedWrites() > 5);
                HttpResponse<String> health = gw.get("/healthz", null);
                assertThat(health.statusCode()).isEqualTo(200);
                JsonNode h = JSON.readTree(health.body());
                assertThat(h.path("status").asText()).isEqualTo("degraded");
                assertThat(h.path("upstream").asText()).isEqualTo("reachable");
                assertThat(h.path("usage").asText()).isEqualTo("store not writable: database locked; 20 records waiting");
                assertThat(usage.written()).isZero();
                st.execute("COMMIT");
            }
            List<UsageRecord> stored = gw.usage();
            assertThat(stored).extracting(UsageRecord::requestId).containsExactlyInAnyOrderElementsOf(served);
            assertThat(stored).extracting(UsageRecord::outcome).containsOnly("completed");
            assertThat(stored).allMatch(r -> r.promptTokens() > 0 && r.completionTokens() > 0);
            HttpResponse<String> health = gw.get("/healthz", null);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"status\":\"ok\",\"upstream\":\"reachable\"}");
        }
    }

    @Test
    void aServerStartsOnALockedDatabaseAndStoresAKilledRunsRecordsOnceItIsReleased() throws Exception {
        Path state = Files.createTempDirectory("corral-locked-start-");
        StateDir sd = StateDir.open(state);
        SqliteStore.open(sd).close();
        // What a run killed with kill -9 left: one request finished, one admitted and still streaming.
        Instant t = Instant.parse("2025-03-01T12:00:00Z");
        UsageJournal dead = UsageJournal.open(sd.journal(), UsageJournal.DEFAULT_SEGMENT_BYTES);
        dead.begin("earlier-done", t, "k3x9m2p7q4wa", "key", "chat", "llama3.2:3b", 80, 20, 2048);
        UsageJournalTest.end(dead, new UsageRecord(t, "earlier-done", "k3x9m2p7q4wa", "chat", "llama3.2:3b", 200, "completed", 7, 9, 30, 80, 900));
        dead.begin("earlier-cut", t, "k3x9m2p7q4wa", "key", "generate", "qwen2.5:7b", 400, 100, 512);
        dead.abandon();
        try (Connection locker = DriverManager.getConnection("jdbc:sqlite:" + sd.database());
             Statement st = locker.createStatement()) {
            st.execute("BEGIN EXCLUSIVE");
            try (TestGateway gw = TestGateway.start(Map.of("state_dir", state.toString(), "usage.busy_timeout", "100ms"), sim())) {
                UsageRecorder usage = gw.corral.usage();
                assertThat(usage.waiting()).isEqualTo(2);
                // Journaled again (and fsynced) in this run's journal, so the killed run's journal is gone.
                assertThat(dead.directory()).doesNotExist();
                HttpResponse<String> health = gw.get("/healthz", null);
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(health.body()).path("usage").asText())
                        .isEqualTo("store not writable: database locked; 2 records waiting");
                st.execute("COMMIT");
                List<UsageRecord> stored = gw.usage();
                assertThat(stored).containsExactlyInAnyOrder(
                        new UsageRecord(t, "earlier-done", "k3x9m2p7q4wa", "chat", "llama3.2:3b", 200, "completed", 7, 9, 30, 80, 900),
                        new UsageRecord(t, "earlier-cut", "k3x9m2p7q4wa", "generate", "qwen2.5:7b", 0, "interrupted", 100, 512, 0,
                                400, 0, "key"));
            }
        }
    }

    @Test
    void aFullDiskDegradesThenRefusesAndEveryServedRequestIsStoredOnceWhenSpaceReturns() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "mounting a 1 MiB tmpfs as the state directory needs root");
        Path mnt = Files.createTempDirectory("corral-full-");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString())
                .redirectErrorStream(true).start();
        String mountOut = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (mount.waitFor() != 0) {
            Files.deleteIfExists(mnt);
            Assumptions.abort("mount -t tmpfs is not available here: " + mountOut.trim());
        }
        try {
            fullDisk(mnt);
        } finally {
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor();
            Files.deleteIfExists(mnt);
        }
    }

    private void fullDisk(Path mnt) throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("state_dir", mnt.toString(), "usage.max_waiting", "40",
                "usage.busy_timeout", "100ms"), sim())) {
            String key = gw.inferenceKey();
            UsageRecorder usage = gw.corral.usage();
            Path filler = mnt.resolve("filler");
            fill(filler);

            List<String> served = new ArrayList<>();
            boolean sawDegraded = false;
            boolean sawJournalFull = false;
            HttpResponse<String> refused = null;
            for (int i = 0; i < 2000; i++) {
                HttpResponse<String> r = gw.post("/api/generate", key, GENERATE);
                if (r.statusCode() == 503) {
                    refused = r;
                    break;
                }
                assertThat(r.statusCode()).isEqualTo(200);
                served.add(requestId(r));
                HttpResponse<String> h = gw.get("/healthz", null);
                JsonNode hj = JSON.readTree(h.body());
                if (h.statusCode() == 200 && hj.path("status").asText().equals("degraded")) {
                    sawDegraded = true;
                }
                sawJournalFull |= hj.path("usage").asText().contains("journal not writable: disk full");
            }
            assertThat(sawDegraded).as("/healthz said degraded while requests were still served").isTrue();
            assertThat(refused).as("requests were refused once usage.max_waiting records waited").isNotNull();
            assertThat(sawJournalFull).as("/healthz said the journal could not be written").isTrue();
            assertThat(usage.journal().linesNotWritten()).isPositive();
            assertThat(usage.waiting()).isGreaterThanOrEqualTo(40);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(JSON.readTree(refused.body()).path("error").asText()).startsWith("usage accounting is behind");
            HttpResponse<String> openAi = gw.post("/v1/chat/completions", key, CHAT);
            assertThat(openAi.statusCode()).isEqualTo(503);
            JsonNode e = JSON.readTree(openAi.body()).path("error");
            assertThat(e.path("type").asText()).isEqualTo("server_error");
            assertThat(e.path("code").asText()).isEqualTo("overloaded");
            List<String> refusedIds = List.of(requestId(refused), requestId(openAi));

            HttpResponse<String> health = gw.get("/healthz", null);
            assertThat(health.statusCode()).isEqualTo(503);
            JsonNode h = JSON.readTree(health.body());
            assertThat(h.path("status").asText()).isEqualTo("unavailable");
            assertThat(h.path("upstream").asText()).isEqualTo("reachable");
            assertThat(h.path("usage").asText()).startsWith("store not writable: ").contains("refusing new requests")
                    .doesNotContain(mnt.toString());
            assertThat(usage.refusedFull()).isGreaterThanOrEqualTo(2);

            Files.delete(filler); // space returns
            Eventually.await("the store and the journal to catch up", Duration.ofSeconds(60),
                    () -> usage.waiting() == 0 && usage.journal().failure() == null);
            health = gw.get("/healthz", null);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"status\":\"ok\",\"upstream\":\"reachable\"}");
            HttpResponse<String> after = gw.post("/api/generate", key, GENERATE);
            assertThat(after.statusCode()).isEqualTo(200);
            served.add(requestId(after));

            List<UsageRecord> stored = gw.usage();
            assertThat(stored).extracting(UsageRecord::requestId).containsExactlyInAnyOrderElementsOf(served)
                    .doesNotContainAnyElementsOf(refusedIds);
            assertThat(stored).extracting(UsageRecord::outcome).containsOnly("completed");
        }
    }

    /** Writes until the file system says it is full. */
    private static void fill(Path filler) throws IOException {
        byte[] block = new byte[4096];
        try (FileOutputStream out = new FileOutputStream(filler.toFile())) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left");
        }
    }
}
