package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.config.ConfigLoader;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.RawClient;
import dev.corral.testing.TestGateway;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CORS is deny-by-default; an allowlist lets named origins preflight and read answers. */
class CorsTest {

    static String preflight(String origin, String path) {
        return "OPTIONS " + path + " HTTP/1.1\r\nHost: x\r\nOrigin: " + origin + "\r\nAccess-Control-Request-Method: POST\r\n"
                + "Access-Control-Request-Headers: authorization, content-type\r\n\r\n";
    }

    @Test
    void byDefaultNoOriginIsAllowed() throws Exception {
        try (TestGateway gw = TestGateway.start(); RawClient c = gw.raw()) {
            RawClient.Response r = c.send(preflight("https://chat.example.com", "/api/chat")).read();
            assertThat(r.status()).isEqualTo(405);
            assertThat(r.header("access-control-allow-origin")).isNull();
            RawClient.Response get = c.send("GET /api/tags HTTP/1.1\r\nHost: x\r\nOrigin: https://chat.example.com\r\n"
                    + "Authorization: Bearer " + gw.inferenceKey() + "\r\n\r\n").read();
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.header("access-control-allow-origin")).isNull();
        }
    }

    @Test
    void listedOriginsPreflightAndReadOthersDoNot() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("cors_origins", "https://chat.example.com"),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            String key = gw.inferenceKey();
            gw.seen().clear();
            try (RawClient c = gw.raw()) {
                RawClient.Response p = c.send(preflight("https://chat.example.com", "/api/chat")).read();
                assertThat(p.status()).isEqualTo(204);
                assertThat(p.header("access-control-allow-origin")).isEqualTo("https://chat.example.com");
                assertThat(p.header("access-control-allow-methods")).isEqualTo("POST");
                assertThat(p.header("access-control-allow-headers")).contains("Authorization");
                RawClient.Response get = c.send("GET /api/tags HTTP/1.1\r\nHost: x\r\nOrigin: https://chat.example.com\r\n"
                        + "Authorization: Bearer " + key + "\r\n\r\n").read();
                assertThat(get.header("access-control-allow-origin")).isEqualTo("https://chat.example.com");
                RawClient.Response evil = c.send(preflight("https://evil.example", "/api/chat")).read();
                assertThat(evil.status()).isEqualTo(405);
                assertThat(evil.header("access-control-allow-origin")).isNull();
                RawClient.Response evilGet = c.send("GET /api/tags HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n"
                        + "Authorization: Bearer " + key + "\r\n\r\n").read();
                assertThat(evilGet.header("access-control-allow-origin")).isNull();
                RawClient.Response adminPreflight = c.send(preflight("https://chat.example.com", "/api/pull")).read();
                assertThat(adminPreflight.status()).isEqualTo(404); // admin routes do not exist here
            }
            assertThat(gw.seen().requests()).extracting(r -> r.uri()).containsOnly("/api/tags");
        }
    }

    @Test
    void aWildcardOrAPathIsNotAnOrigin() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of("CORRAL_CORS_ORIGINS", "*")).load(null, Map.of()))
                .hasMessageContaining("cors_origins[0]").hasMessageContaining("list exact origins");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("CORRAL_CORS_ORIGINS", "https://x.example/app")).load(null, Map.of()))
                .hasMessageContaining("not an origin");
    }
}
