package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.RawClient;
import dev.corral.testing.TestGateway;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Slow or stalled clients are cut off by a timeout, freeing what they held; nothing reaches Ollama. */
class SlowClientTest {
    static TestGateway gw;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start(Map.of("limits.header_timeout", "1s", "limits.body_timeout", "1s",
                "limits.keepalive_timeout", "1s"), SimConfig.defaults(new HostPort("127.0.0.1", 0)));
        key = gw.inferenceKey();
        gw.seen().clear();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @org.junit.jupiter.api.BeforeEach
    void clear() {
        gw.seen().clear();
    }

    @Test
    void headersTrickledByteByByteAreCutOffWith408() throws Exception {
        try (RawClient c = gw.raw()) {
            String head = "GET /api/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\nX-Slow: ";
            c.send(head);
            // keep trickling: a slowloris never finishes its headers, and each byte must not reset the clock
            boolean cut = false;
            for (int i = 0; i < 100 && !cut; i++) {
                try {
                    c.send("a");
                } catch (java.io.IOException e) {
                    cut = true;
                }
                LockSupport.parkNanos(50_000_000L);
            }
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(gw.seen().requests()).isEmpty();
    }

    @Test
    void aBodyThatNeverFinishesIsCutOffWith408() throws Exception {
        try (RawClient c = gw.raw()) {
            c.send("POST /api/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Length: 100\r\n\r\n{\"model\":");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(gw.seen().requests()).isEmpty();
    }

    @Test
    void anIdleKeepAliveConnectionIsClosed() throws Exception {
        try (RawClient c = gw.raw()) {
            assertThat(c.send("GET /api/version HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n").read().status())
                    .isEqualTo(200);
            assertThat(c.closedByServer()).isTrue(); // within the 20 s socket timeout; the server's limit is 1 s
        }
        try (RawClient c = gw.raw()) {
            assertThat(c.closedByServer()).as("a connection that never sends a byte").isTrue();
        }
    }
}
