package dev.corral.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.cli.CorralCommand;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.MutableClock;
import dev.corral.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rotating a key: a new secret at once, the old one until its grace period ends, then refused. */
class KeyRotationTest {

    @Test
    void theOldSecretWorksThroughItsGraceAndNotAfter() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
        try (TestGateway gw = TestGateway.start(Map.of("admission.failed_auth_burst", "1000"),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)), clock)) {
            AdminClient admin = new AdminClient(gw.corral.adminSocket(), Duration.ofSeconds(10));
            ObjectNode created = (ObjectNode) admin.call("POST", "/admin/v1/keys",
                    new ObjectMapper().createObjectNode().put("name", "rotating")).body();
            String id = created.path("id").asText();
            String old = created.path("key").asText();

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = CorralCommand.commandLine(new PrintWriter(out), new PrintWriter(err))
                    .execute("keys", "rotate", id, "--grace", "1h", "--state-dir", gw.stateDir.toString());
            assertThat(code).as(err.toString()).isZero();
            String fresh = out.toString().trim();
            assertThat(fresh).startsWith("crl_" + id + "_").isNotEqualTo(old);
            assertThat(err.toString()).contains("the old secret works until 2026-11-23T11:00:00Z");

            assertThat(gw.get("/api/tags", fresh).statusCode()).isEqualTo(200);
            assertThat(gw.get("/api/tags", old).statusCode()).as("within the grace").isEqualTo(200);
            clock.advance(Duration.ofMinutes(61));
            assertThat(gw.get("/api/tags", old).statusCode()).as("after the grace").isEqualTo(401);
            assertThat(gw.get("/api/tags", fresh).statusCode()).isEqualTo(200);

            // at once: the previous secret stops immediately
            ObjectNode now = (ObjectNode) admin.call("POST", "/admin/v1/keys/" + id + "/rotate",
                    new ObjectMapper().createObjectNode().put("grace", "0s")).body();
            assertThat(gw.get("/api/tags", fresh).statusCode()).isEqualTo(401);
            assertThat(gw.get("/api/tags", now.path("key").asText()).statusCode()).isEqualTo(200);
            assertThat(admin.call("POST", "/admin/v1/keys/" + id + "/rotate",
                    new ObjectMapper().createObjectNode().put("grace", "soon")).status()).isEqualTo(400);
        }
    }
}
