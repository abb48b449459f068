package dev.corral.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.corral.config.ConfigLoader;
import dev.corral.config.Settings;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The health probe against real local servers: GET /api/version with Ollama's own Host header, a 200
 * makes Ollama reachable, any other answer, a refused connection or something that is not HTTP does
 * not.
 */
class UpstreamHealthTest {
    private HttpServer server;
    private final Map<String, String> seen = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private Settings.Upstream ollama(int status) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            seen.put("path", ex.getRequestMethod() + " " + ex.getRequestURI());
            seen.put("host", ex.getRequestHeaders().getFirst("Host"));
            seen.put("agent", ex.getRequestHeaders().getFirst("User-Agent"));
            byte[] body = "{\"version\":\"0.12.6\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return at(server.getAddress().getPort());
    }

    private static Settings.Upstream at(int port) {
        return new ConfigLoader(Map.of()).load(null, Map.of("upstream.url", "http://127.0.0.1:" + port)).upstream();
    }

    @Test
    void ollamaAnswering200IsReachableAndTheProbeAsksAsOllamaExpects() throws Exception {
        Settings.Upstream u = ollama(200);
        try (UpstreamHealth health = new UpstreamHealth(u)) {
            assertThat(health.reachable()).isFalse();
            health.probe();
            assertThat(health.reachable()).isTrue();
        }
        assertThat(seen).containsEntry("path", "GET /api/version").containsEntry("host", "127.0.0.1:" + u.port())
                .containsEntry("agent", "corral-health");
    }

    @Test
    void anyOtherAnswerIsNotReachable() throws Exception {
        try (UpstreamHealth health = new UpstreamHealth(ollama(503))) {
            health.reportSuccess();
            health.probe();
            assertThat(health.reachable()).isFalse();
        }
        assertThat(VersionProbe.status(at(server.getAddress().getPort()), Duration.ofSeconds(5))).isEqualTo(503);
    }

    @Test
    void aRefusedConnectionIsNotReachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Settings.Upstream u = at(port);
        assertThatThrownBy(() -> VersionProbe.status(u, Duration.ofSeconds(5))).isInstanceOf(ConnectException.class);
        try (UpstreamHealth health = new UpstreamHealth(u)) {
            health.reportSuccess();
            health.probe();
            assertThat(health.reachable()).isFalse();
        }
    }

    @Test
    void somethingThatIsNotHttpOrSaysNothingIsNotOllama() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            Thread t = new Thread(() -> {
                for (String answer : new String[] {"SSH-2.0-OpenSSH_9.2\r\n", ""}) {
                    try (Socket c = s.accept()) {
                        c.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.start();
            Settings.Upstream u = at(s.getLocalPort());
            assertThatThrownBy(() -> VersionProbe.status(u, Duration.ofSeconds(5))).isInstanceOf(IOException.class)
                    .hasMessageContaining("did not answer GET /api/version with HTTP/1.x").hasMessageContaining("SSH-2.0");
            assertThatThrownBy(() -> VersionProbe.status(u, Duration.ofSeconds(5))).isInstanceOf(IOException.class)
                    .hasMessageContaining("closed the connection without an answer");
            t.join(5_000);
        }
    }

    @Test
    void theStatusLineIsReadStrictly() throws Exception {
        assertThat(VersionProbe.parse("HTTP/1.1 200 OK")).isEqualTo(200);
        assertThat(VersionProbe.parse("HTTP/1.0 404")).isEqualTo(404);
        for (String bad : new String[] {"HTTP/2 200 OK", "HTTP/1.1 2x0 OK", "HTTP/1.1 2000 OK", "HTTP/1.1200 OK", ""}) {
            assertThatThrownBy(() -> VersionProbe.parse(bad)).as(bad).isInstanceOf(IOException.class);
        }
    }
}
