package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.sim.SimRecorder;
import dev.corral.testing.Eventually;
import dev.corral.testing.RawClient;
import dev.corral.testing.TestGateway;
import dev.corral.store.UsageRecord;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A client that goes away makes Ollama stop: before the first byte and mid-stream. */
class CancellationTest {
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

    @BeforeEach
    void clear() {
        gw.seen().clear();
    }

    static String chat(String extraHeaders) {
        String body = "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"long story\"}]}";
        return "POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n" + extraHeaders
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void aClientThatLeavesBeforeTheFirstByteCancelsTheUpstreamRequest() throws Exception {
        try (RawClient c = gw.raw()) {
            c.send(chat("X-Sim-First-Byte-Delay-Ms: 60000\r\n"));
            Eventually.await("the request to reach the simulator", Duration.ofSeconds(10),
                    () -> !gw.seen().requests().isEmpty());
        }
        Eventually.await("the simulator to see the cancellation", Duration.ofSeconds(10),
                () -> gw.seen().cancellations().size() == 1);
        SimRecorder.Generation g = gw.seen().cancellations().get(0);
        assertThat(g.tokensSent()).isZero();
        UsageRecord u = GatewayTest.usageOf(gw, g.requestId());
        assertThat(u.status()).isEqualTo(499);
        assertThat(u.outcome()).isEqualTo("client_gone");
    }

    @Test
    void aClientThatLeavesMidStreamCancelsTheGeneration() throws Exception {
        try (RawClient c = gw.raw()) {
            c.send(chat("X-Sim-Tokens: 100000\r\nX-Sim-Tokens-Per-Second: 50\r\n"));
            RawClient.Response head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            InputStream in = c.input();
            byte[] some = in.readNBytes(200); // a few tokens have arrived
            assertThat(some).hasSize(200);
        }
        Eventually.await("the simulator to see the cancellation", Duration.ofSeconds(10),
                () -> gw.seen().cancellations().size() == 1);
        SimRecorder.Generation g = gw.seen().cancellations().get(0);
        assertThat(g.tokensSent()).isBetween(1, 99_999);
        UsageRecord u = GatewayTest.usageOf(gw, g.requestId());
        assertThat(u.status()).isEqualTo(499);
        assertThat(u.outcome()).isEqualTo("client_gone");
        assertThat(u.bytesOut()).isPositive();
    }

    @Test
    void theUpstreamConnectionOfACancelledRequestIsNeverReused() throws Exception {
        try (RawClient c = gw.raw()) {
            c.send(chat("X-Sim-Tokens: 100000\r\nX-Sim-Tokens-Per-Second: 50\r\n"));
            c.readHead();
        }
        Eventually.await("cancellation", Duration.ofSeconds(10), () -> gw.seen().cancellations().size() == 1);
        // The next request must get a clean connection and a whole answer.
        var r = gw.post("/api/generate", key, "{\"model\":\"llama3.2:3b\",\"prompt\":\"again\",\"stream\":false}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"done\":true");
    }
}
