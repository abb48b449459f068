package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.RawClient;
import dev.corral.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A head with a Content-Length waits for its body only until the end of the read batch it came in:
 * an answer whose body comes later reaches the client head first, not when the body is complete.
 */
class HeldHeadTest {
    private static final String BODY = "{\"version\":\"0.13.5\"}";

    @Test
    void theHeadOfAnAnswerWhoseBodyIsSlowReachesTheClientBeforeTheBodyIsComplete() throws Exception {
        theHeadComesFirst(0); // the head alone in Ollama's first write: sent at the end of that read
        theHeadComesFirst(11); // the head and part of the body: sent with that part
    }

    private void theHeadComesFirst(int split) throws Exception {
        CountDownLatch headSeen = new CountDownLatch(1);
        try (ServerSocket upstream = new ServerSocket(0)) {
            Thread server = new Thread(() -> serve(upstream, headSeen, split), "held-head-upstream");
            server.setDaemon(true);
            server.start();
            // the simulator TestGateway starts stays idle: Ollama here is the raw upstream above
            try (TestGateway gw = TestGateway.start(Map.of("upstream.url", "http://127.0.0.1:" + upstream.getLocalPort()),
                    SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
                String key = gw.inferenceKey();
                try (RawClient fast = gw.raw()) {
                    RawClient.Response whole = fast.send("GET /api/version HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                            + "\r\n\r\n").read();
                    assertThat(whole.status()).isEqualTo(200);
                    assertThat(whole.body()).isEqualTo(BODY);
                    assertThat(whole.header("content-length")).isEqualTo(String.valueOf(BODY.length()));
                }
                try (Socket c = new Socket("127.0.0.1", gw.port())) {
                    c.setSoTimeout(10_000);
                    c.getOutputStream().write(("GET /api/version HTTP/1.1\r\nHost: x\r\nX-Test-Slow: 1\r\nAuthorization: Bearer "
                            + key + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    String head = readPast(c.getInputStream(), "\r\n\r\n");
                    assertThat(head).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("content-length: " + BODY.length());
                    headSeen.countDown(); // only now does the upstream send the rest of the body
                    String body = new String(c.getInputStream().readNBytes(BODY.length()), StandardCharsets.US_ASCII);
                    assertThat(body).isEqualTo(BODY);
                }
            }
        }
    }

    /** Reads up to and including {@code end}. */
    private static String readPast(InputStream in, String end) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (!got.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + got.toString(StandardCharsets.ISO_8859_1));
            }
            got.write(b);
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * Answers every request with the version; to a request marked slow it writes the head and the
     * body's first {@code split} bytes, and the rest only once the client has seen the head.
     */
    private static void serve(ServerSocket upstream, CountDownLatch headSeen, int split) {
        while (!upstream.isClosed()) {
            try {
                Socket s = upstream.accept();
                Thread t = new Thread(() -> {
                    try (s) {
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        while (true) {
                            String request = readPast(in, "\r\n\r\n");
                            byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: "
                                    + BODY.length() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                            byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
                            out.write(head);
                            if (request.toLowerCase().contains("x-test-slow: 1")) {
                                out.write(body, 0, split);
                                out.flush();
                                if (!headSeen.await(10, TimeUnit.SECONDS)) {
                                    return; // the test fails on its own: the client never saw the head
                                }
                                out.write(body, split, body.length - split);
                            } else {
                                out.write(body);
                            }
                            out.flush();
                        }
                    } catch (IOException | InterruptedException e) {
                        // the connection ended
                    }
                }, "held-head-conn");
                t.setDaemon(true);
                t.start();
            } catch (SocketTimeoutException e) {
                // keep accepting
            } catch (IOException e) {
                return;
            }
        }
    }
}
