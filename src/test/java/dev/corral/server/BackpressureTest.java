package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.Eventually;
import dev.corral.testing.RawClient;
import dev.corral.testing.TestGateway;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A slow reader holds Ollama back instead of filling Corral's memory. */
class BackpressureTest {
    static TestGateway gw;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start(Map.of(), SimConfig.defaults(new HostPort("127.0.0.1", 0)));
        key = gw.inferenceKey();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void aClientThatStopsReadingStopsTheUpstreamAndCorralsBuffersStaySmall() throws Exception {
        int tokens = 400_000; // ~40 MB of NDJSON
        String body = "{\"model\":\"llama3.2:3b\",\"prompt\":\"everything\"}";
        try (RawClient c = gw.raw()) {
            c.socket().setReceiveBufferSize(64 * 1024);
            c.send("POST /api/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\nX-Sim-Tokens: " + tokens
                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            assertThat(c.readHead().status()).isEqualTo(200);
            // Read nothing more: wait until the simulator can no longer write (every buffer on the way is full).
            long[] last = {-1};
            int[] still = {0};
            Eventually.await("the simulator to stall", Duration.ofSeconds(30), () -> {
                long now = gw.seen().bytesWritten();
                still[0] = now == last[0] ? still[0] + 1 : 0;
                last[0] = now;
                LockSupport.parkNanos(50_000_000L);
                return still[0] >= 5;
            });
            long total = 0;
            long written = gw.seen().bytesWritten();
            long gatewayMemory = gw.corral.server().usedDirectMemory();
            assertThat(written).as("bytes the simulator got out while the client read nothing").isLessThan(16L << 20);
            assertThat(gatewayMemory).as("Corral's pooled direct memory while stalled").isLessThan(8L << 20);
            // Now read everything: the whole stream arrives, ending with the final counts.
            InputStream in = c.input();
            byte[] buf = new byte[64 * 1024];
            int n;
            StringBuilder tail = new StringBuilder();
            while ((n = in.read(buf)) > 0) {
                total += n;
                String s = new String(buf, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
                tail.append(s);
                if (tail.length() > 4096) {
                    tail.delete(0, tail.length() - 4096);
                }
                if (tail.indexOf("0\r\n\r\n") >= 0 && tail.indexOf("\"done\":true") >= 0) {
                    break;
                }
            }
            assertThat(total).as("bytes read once the client resumed").isGreaterThan(30L << 20);
            assertThat(tail.toString()).contains("\"eval_count\":" + tokens);
        }
    }
}
