package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request refused before its body was read closes the connection, and the client gets the answer
 * even though it sends its whole body first: the gateway ends its side and reads what still comes
 * instead of closing at once, which would make the kernel reset the connection (and the client
 * lose the answer, or fail its write with "connection reset").
 */
class LingeringCloseTest {
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start(Map.of("admission.failed_auth_burst", "100000"), SimConfig.defaults(new HostPort("127.0.0.1", 0)));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void aClientThatSendsItsWholeBodyBeforeReadingGetsTheRefusalAndThenTheEndOfTheConnection() throws Exception {
        byte[] body = new byte[512 * 1024];
        Arrays.fill(body, (byte) 'a');
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket("127.0.0.1", gw.port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body); // no key: refused before the body is read
                out.flush();
                InputStream in = s.getInputStream();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    got.write(buf, 0, n);
                }
                String answer = got.toString(StandardCharsets.UTF_8);
                assertThat(answer).as("attempt %d", i).startsWith("HTTP/1.1 401 ").containsIgnoringCase("connection: close");
            }
        }
    }
}
