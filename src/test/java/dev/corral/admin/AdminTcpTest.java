package dev.corral.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.sim.SimConfig;
import dev.corral.store.Scope;
import dev.corral.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin API over TCP: every call needs a key with the admin scope; anything else gets 401 (and
 * 429 after a burst from one address); an admin key is no key on the public listener, where it gets
 * the same 401 as an unknown one.
 */
class AdminTcpTest {
    static TestGateway gw;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start(Map.of("admission.failed_auth_burst", "1000"),
                SimConfig.defaults(new dev.corral.config.HostPort("127.0.0.1", 0)));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static HttpResponse<String> admin(String path, String key) throws Exception {
        return admin(gw, path, key);
    }

    static HttpResponse<String> admin(TestGateway g, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.corral.adminAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anAdminKeyWorksOverTcpAndNothingElseDoes() throws Exception {
        String adminKey = gw.key("ops", EnumSet.of(Scope.ADMIN), List.of(), null);
        String inference = gw.inferenceKey();
        HttpResponse<String> ok = admin("/admin/v1/keys", adminKey);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("\"ops\"");
        HttpResponse<String> none = admin("/admin/v1/keys", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"corral-admin\"");
        assertThat(none.body()).contains("admin key is required");
        assertThat(admin("/admin/v1/keys", inference).statusCode()).as("an inference key is not an admin key").isEqualTo(401);
        assertThat(admin("/admin/v1/keys", "crl_000000000000_" + "x".repeat(43)).statusCode()).isEqualTo(401);
    }

    @Test
    void prometheusScrapesMetricsOverTcpWithAnAdminKey() throws Exception {
        String adminKey = gw.key("prometheus", EnumSet.of(Scope.ADMIN), List.of(), null);
        HttpResponse<String> ok = admin("/metrics", adminKey);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(ok.body()).contains("# TYPE corral_requests_total counter");
        assertThat(admin("/metrics", null).statusCode()).isEqualTo(401);
        assertThat(admin("/metrics", gw.inferenceKey()).statusCode()).isEqualTo(401);
    }

    @Test
    void anAdminKeyOnThePublicListenerIsRefusedLikeAnUnknownKey() throws Exception {
        String adminKey = gw.key("ops-public", EnumSet.of(Scope.ADMIN), List.of(), null);
        var withAdmin = gw.get("/api/tags", adminKey);
        var unknown = gw.get("/api/tags", "crl_000000000000_" + "y".repeat(43));
        assertThat(withAdmin.statusCode()).isEqualTo(401);
        assertThat(withAdmin.body()).isEqualTo(unknown.body());
        assertThat(gw.get("/admin/v1/keys", adminKey).statusCode()).isIn(401, 404);
    }

    @Test
    void anAdminKeyHasNoOtherScope() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> gw.key("mixed", EnumSet.of(Scope.ADMIN, Scope.INFERENCE),
                List.of(), null)).hasMessageContaining("only the admin scope");
    }

    @Test
    void guessingAdminKeysFromOneAddressEndsIn429() throws Exception {
        try (TestGateway strict = TestGateway.start(Map.of("admission.failed_auth_burst", "5",
                "admission.failed_auth_per_minute", "1"), SimConfig.defaults(new dev.corral.config.HostPort("127.0.0.1", 0)))) {
            int last = 0;
            for (int i = 0; i < 8; i++) {
                last = admin(strict, "/admin/v1/keys", "crl_000000000000_" + "z".repeat(43)).statusCode();
            }
            assertThat(last).isEqualTo(429);
        }
    }
}
