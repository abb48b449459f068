package dev.corral.usage;

import dev.corral.store.UsageRecord;
import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.access.KeyHasher;
import dev.corral.access.KeyIssuer;
import dev.corral.store.Scope;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.sim.Simulator;
import dev.corral.store.SqliteStore;
import dev.corral.store.StateDir;
import dev.corral.testing.Eventually;
import dev.corral.testing.RawClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * kill -9 with 50 streams in flight, then a restart on the same state directory: every request
 * admitted before the kill is in the store exactly once, the finished ones as they finished, the
 * ones in flight as {@code interrupted} with their token reservation. Corral runs in a child JVM
 * (the test's own classpath, {@code corral serve}) so that it can really be killed.
 */
class CrashRecoveryTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final int STREAMS = 50;
    private static final int FINISHED = 10;
    private static final long NUM_PREDICT = 5000;

    /** One `corral serve` child process and what it logged. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final List<String> log = new CopyOnWriteArrayList<>();
        volatile int port;

        Child(Path state, int simPort) throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    "dev.corral.cli.Main", "serve", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:" + simPort,
                    "--state-dir", state.toString());
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("CORRAL_"));
            env.put("CORRAL_ADMISSION_KEY_DEFAULTS_CONCURRENCY", "0"); // all 50 streams from one key at once
            env.put("CORRAL_ADMISSION_UPSTREAM_CONCURRENCY", "64");    // all 50 forwarded, none queued
            env.put("CORRAL_UPSTREAM_HEALTH_INTERVAL", "1h");
            env.put("CORRAL_ADMIN_LISTEN", "127.0.0.1:0");
            env.put("CORRAL_ACCESS_LOG_LEVEL", "OFF");
            pb.redirectErrorStream(true);
            process = pb.start();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        log.add(line);
                        Matcher m = LISTENING.matcher(line);
                        if (m.find()) {
                            port = Integer.parseInt(m.group(1));
                        }
                    }
                } catch (java.io.IOException ignored) {
                    // the process is gone
                }
            }, "corral-child-log");
            reader.setDaemon(true);
            reader.start();
            Eventually.await("the child Corral to listen (log: " + log + ")", Duration.ofSeconds(60),
                    () -> port > 0 || !process.isAlive());
            assertThat(process.isAlive()).as("child Corral running; its log: %s", log).isTrue();
        }

        void killNine() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL: no shutdown hook, no drain, no fsync
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy(); // SIGTERM: the shutdown hook closes Corral cleanly
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
        }
    }

    @Test
    void killNineMidStreamThenRestartAccountsForEveryAdmittedRequestOnce() throws Exception {
        Path state = Files.createTempDirectory("corral-kill-");
        SimConfig paced = SimConfig.defaults(new HostPort("127.0.0.1", 0)).withTokens(100_000).withTokensPerSecond(2);
        List<RawClient> clients = new ArrayList<>();
        try (Simulator sim = Simulator.start(paced)) {
            String key;
            StateDir sd = StateDir.open(state);
            try (SqliteStore store = SqliteStore.open(sd)) {
                key = new KeyIssuer(store, new KeyHasher(sd.serverSecret()), Clock.systemUTC())
                        .create("crash", EnumSet.of(Scope.INFERENCE), List.of(), null).key();
            }
            Map<String, String> finished = new HashMap<>(); // request id -> body
            Map<String, String> inFlight = new HashMap<>();
            try (Child corral = new Child(state, sim.port())) {
                for (int i = 0; i < FINISHED; i++) {
                    String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"finished " + i + "\",\"stream\":false}";
                    try (RawClient c = new RawClient("127.0.0.1", corral.port)) {
                        RawClient.Response r = c.send(request(key, body, "X-Sim-Tokens: 3\r\nX-Sim-Tokens-Per-Second: 0\r\n")).read();
                        assertThat(r.status()).isEqualTo(200);
                        finished.put(r.header("X-Request-Id"), body);
                    }
                }
                for (int i = 0; i < STREAMS; i++) {
                    String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"stream number " + i + " of many\",\"options\":{\"num_predict\":"
                            + NUM_PREDICT + "}}";
                    RawClient c = new RawClient("127.0.0.1", corral.port);
                    clients.add(c);
                    RawClient.Response head = c.send(request(key, body, "")).readHead();
                    assertThat(head.status()).isEqualTo(200);
                    inFlight.put(head.header("X-Request-Id"), body);
                }
                // Every stream is being answered token by token: wait until each has delivered a token.
                for (RawClient c : clients) {
                    assertThat(c.input().read()).isNotEqualTo(-1);
                }
                assertThat(sim.recorder().generations()).hasSize(FINISHED); // the 50 are still generating
                corral.killNine();
            }
            for (RawClient c : clients) {
                c.close();
            }
            assertThat(inFlight).hasSize(STREAMS);

            try (Child again = new Child(state, sim.port())) {
                // The journal is replayed before the listener opens: the store is complete already.
                List<UsageRecord> stored;
                try (SqliteStore store = SqliteStore.open(sd)) {
                    stored = store.usageSince(Instant.EPOCH, null);
                }
                Map<String, UsageRecord> byId = stored.stream().collect(Collectors.toMap(UsageRecord::requestId,
                        Function.identity()));
                assertThat(byId).as("one record per request").hasSize(stored.size());
                assertThat(byId.keySet()).containsExactlyInAnyOrderElementsOf(
                        Stream.concat(finished.keySet().stream(), inFlight.keySet().stream()).toList());
                for (String id : finished.keySet()) {
                    UsageRecord r = byId.get(id);
                    assertThat(r.outcome()).isEqualTo("completed");
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.completionTokens()).isEqualTo(3);
                }
                for (Map.Entry<String, String> e : inFlight.entrySet()) {
                    UsageRecord r = byId.get(e.getKey());
                    assertThat(r.outcome()).isEqualTo("interrupted");
                    assertThat(r.status()).isZero();
                    assertThat(r.keyId()).isEqualTo(dev.corral.access.ApiKey.idOf(key));
                    assertThat(r.model()).isEqualTo("llama3.2:3b");
                    assertThat(r.route()).isEqualTo("generate");
                    assertThat(r.auth()).as("how it signed in, from the begin line").isEqualTo("key");
                    // The reservation: the prompt estimate (body bytes / 4) and the completion tokens reserved.
                    assertThat(r.promptTokens()).isEqualTo(e.getValue().length() / 4);
                    assertThat(r.completionTokens()).isEqualTo(NUM_PREDICT);
                    assertThat(r.bytesIn()).isEqualTo(e.getValue().length());
                }
                assertThat(again.log).anyMatch(l -> l.contains("replayed the usage journal of an earlier run: " + (FINISHED + STREAMS)
                        + " records written to the store, " + STREAMS + " of them requests that run admitted but did not finish"));
                // Only the running server's journal is left; the killed one's was deleted once stored.
                try (Stream<Path> dirs = Files.list(sd.journal())) {
                    assertThat(dirs.toList()).hasSize(1);
                }
            }
            // A clean stop stores everything and leaves no journal behind.
            try (Stream<Path> dirs = Files.list(sd.journal())) {
                assertThat(dirs.toList()).isEmpty();
            }
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
            try (Stream<Path> walk = Files.walk(state)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String request(String key, String body, String extraHeaders) {
        return "POST /api/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\nContent-Type: application/json\r\n"
                + extraHeaders + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }
}
