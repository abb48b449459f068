package dev.corral.shared;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.access.ApiKey;
import dev.corral.access.KeyHasher;
import dev.corral.access.KeyIssuer;
import dev.corral.admission.Claim;
import dev.corral.audit.Audit;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.sim.Simulator;
import dev.corral.store.KeyLimits;
import dev.corral.store.Scope;
import dev.corral.store.SqliteStore;
import dev.corral.store.StateDir;
import dev.corral.testing.Eventually;
import dev.corral.testing.RawClient;
import dev.corral.testing.RedisServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of an instance (`corral serve` in a child JVM) with its key's two slots held by streams:
 * the slots stay taken in Redis until the dead instance's lease expires, then the renewal of a live
 * instance gives them back and they can be taken again.
 */
class KillNineTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

    @Test
    void aKilledInstancesSlotsComeBackWhenItsLeaseExpires() throws Exception {
        RedisServer redis = RedisServer.shared();
        redis.flush();
        Path state = Files.createTempDirectory("corral-kill-shared-");
        SimConfig paced = SimConfig.defaults(new HostPort("127.0.0.1", 0)).withTokens(100_000).withTokensPerSecond(2);
        List<RawClient> clients = new ArrayList<>();
        try (Simulator sim = Simulator.start(paced);
             SqliteStore liveStore = SqliteStore.open(StateDir.open(Files.createTempDirectory("corral-live-")), 2000);
             SharedLimiters live = SharedLimiters.open(SharedLimitsTest.cfg(redis.url(), Duration.ofSeconds(3), false),
                     liveStore, Audit.discarding())) {
            StateDir sd = StateDir.open(state);
            String key;
            try (SqliteStore store = SqliteStore.open(sd, 2000)) {
                key = new KeyIssuer(store, new KeyHasher(sd.serverSecret()), Clock.systemUTC())
                        .create("k", EnumSet.of(Scope.INFERENCE), List.of(), null, new KeyLimits(null, null, null, null, 2, null))
                        .key();
            }
            String id = ApiKey.idOf(key);
            Process child = serve(state, sim.port(), redis.url());
            try {
                int port = awaitPort(child);
                for (int i = 0; i < 3; i++) {
                    String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"stream " + i + "\"}";
                    RawClient c = new RawClient("127.0.0.1", port);
                    clients.add(c);
                    RawClient.Response head = c.send("POST /api/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).readHead();
                    assertThat(head.status()).as("stream %d", i).isEqualTo(i < 2 ? 200 : 429);
                }
                assertThat(redis.command("HGET " + Keys.slots(id) + " held")).isEqualTo("2");
                assertThat(Claims.slot(live.limiters(), id, 2)).as("both slots held by the child").isNull();
                child.destroyForcibly(); // SIGKILL: no shutdown hook, nothing given back
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                child.destroyForcibly();
            }
            Eventually.await("the dead instance's slots given back by a live instance's lease renewal", Duration.ofSeconds(30),
                    () -> "(nil)".equals(redis.command("HGET " + Keys.slots(id) + " held")));
            Claim one = Claims.slot(live.limiters(), id, 2);
            Claim two = Claims.slot(live.limiters(), id, 2);
            assertThat(one).isNotNull();
            assertThat(two).isNotNull();
            live.limiters().settle(one, 0);
            live.limiters().settle(two, 0);
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
        }
    }

    private static Process serve(Path state, int simPort, String redisUrl) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "dev.corral.cli.Main", "serve", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:" + simPort,
                "--state-dir", state.toString());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("CORRAL_"));
        env.put("CORRAL_LIMITS_SHARED", redisUrl);
        env.put("CORRAL_LIMITS_SHARED_LEASE", "3s");
        env.put("CORRAL_LIMITS_SHARED_TIMEOUT", "1s");
        env.put("CORRAL_ADMISSION_UPSTREAM_CONCURRENCY", "8");
        env.put("CORRAL_UPSTREAM_HEALTH_INTERVAL", "1h");
        env.put("CORRAL_ADMIN_LISTEN", "127.0.0.1:0");
        env.put("CORRAL_ACCESS_LOG_LEVEL", "OFF");
        pb.redirectErrorStream(true);
        return pb.start();
    }

    private static int awaitPort(Process p) {
        List<String> log = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger port = new java.util.concurrent.atomic.AtomicInteger();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    log.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.set(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (java.io.IOException ignored) {
                // the process is gone
            }
        }, "corral-child-log");
        reader.setDaemon(true);
        reader.start();
        Eventually.await("the child Corral to listen", Duration.ofSeconds(60), () -> port.get() > 0 || !p.isAlive());
        assertThat(p.isAlive()).as("child Corral running; its log: %s", log).isTrue();
        return port.get();
    }
}
