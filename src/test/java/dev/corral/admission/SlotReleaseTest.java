package dev.corral.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.Corral;
import dev.corral.access.ApiKey;
import dev.corral.access.KeyHasher;
import dev.corral.access.KeyIssuer;
import dev.corral.store.KeyLimits;
import dev.corral.store.Scope;
import dev.corral.config.ConfigLoader;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.store.StateDir;
import dev.corral.testing.Eventually;
import dev.corral.testing.NodeClients;
import dev.corral.testing.RawClient;
import dev.corral.testing.TestGateway;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every slot is given back exactly once on every path: finished, client gone (raw socket and the
 * real npm clients aborting), upstream timeout, upstream unreachable, refused after admission.
 * After each, the key's in-flight count and the upstream's slots are back at zero.
 */
class SlotReleaseTest {
    static final KeyLimits TRACKED = new KeyLimits(null, 1_000_000L, 1_000_000_000L, null, 2, null);

    static void zero(AdmissionControl a, String key) {
        Eventually.await("in-flight and upstream slots back at zero", Duration.ofSeconds(10),
                () -> a.inFlight(ApiKey.idOf(key)) == 0 && a.queue().inUse() == 0 && a.queue().waiting() == 0);
    }

    @Test
    void everyPathThroughAWorkingUpstreamGivesTheSlotsBack() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("upstream.first_byte_timeout", "300ms"),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            AdmissionControl a = gw.corral.admission();
            String key = gw.key("tracked", TRACKED);
            String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"x\"}";
            // finished
            assertThat(gw.post("/api/generate", key, body).statusCode()).isEqualTo(200);
            zero(a, key);
            // mid-stream error line from Ollama (still a finished 200)
            assertThat(gw.post("/api/generate", key, body, "X-Sim-Fail-After", "2").statusCode()).isEqualTo(200);
            zero(a, key);
            // upstream timeout before the first byte
            assertThat(gw.post("/api/generate", key, body, "X-Sim-First-Byte-Delay-Ms", "3000").statusCode()).isEqualTo(504);
            zero(a, key);
            // client gone before the first byte, and mid-stream
            for (String headers : List.of("X-Sim-First-Byte-Delay-Ms: 60000\r\n", "X-Sim-Tokens: 5000\r\nX-Sim-Tokens-Per-Second: 50\r\n")) {
                try (RawClient c = gw.raw()) {
                    c.send("POST /api/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n" + headers
                            + "Content-Length: " + body.length() + "\r\n\r\n" + body);
                    Eventually.await("in flight", Duration.ofSeconds(5), () -> a.queue().inUse() == 1);
                }
                zero(a, key);
            }
            // refused by model policy after the body was read (nothing taken yet), and by the rate of another key
            assertThat(gw.post("/api/generate", key, "{\"model\":\"x:cloud\",\"prompt\":\"x\"}").statusCode()).isEqualTo(403);
            zero(a, key);
            assertThat(a.usedToday(ApiKey.idOf(key))).isPositive();
        }
    }

    @Test
    void theRealNpmClientsAbortingMidStreamGiveTheSlotsBack() throws Exception {
        NodeClients.requireNode();
        try (TestGateway gw = TestGateway.start()) {
            String key = gw.key("npm", TRACKED);
            String out = NodeClients.run("abort.mjs", Map.of("GATEWAY", gw.url(), "KEY", key));
            assertThat(out).contains("\"ollama\"").contains("\"openai\"");
            Eventually.await("both cancellations at the simulator", Duration.ofSeconds(10), () -> gw.seen().cancellations().size() == 2);
            zero(gw.corral.admission(), key);
        }
    }

    @Test
    void anUnreachableUpstreamGivesTheSlotsBack() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        Path state = Files.createTempDirectory("corral-dead-");
        var settings = new ConfigLoader(Map.of()).load(null, Map.of("listen.address", "127.0.0.1:0", "admin.listen", "127.0.0.1:0",
                "upstream.url", "http://127.0.0.1:" + dead, "state_dir", state.toString()));
        try (Corral corral = Corral.start(settings)) {
            String key = new KeyIssuer(corral.store(), new KeyHasher(StateDir.open(state).serverSecret()), Clock.systemUTC())
                    .create("k", EnumSet.of(Scope.INFERENCE), List.of(), null, TRACKED).key();
            corral.reloadKeys();
            String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"x\"}";
            try (RawClient c = new RawClient("127.0.0.1", corral.address().getPort())) {
                for (int i = 0; i < 3; i++) {
                    assertThat(c.send("POST /api/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                            + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).read().status()).isEqualTo(502);
                }
            }
            zero(corral.admission(), key);
            assertThat(corral.admission().usedToday(ApiKey.idOf(key))).isZero();
        }
    }
}
