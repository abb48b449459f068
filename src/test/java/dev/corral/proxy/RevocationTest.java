package dev.corral.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.auth.ApiKey;
import dev.corral.cli.CorralCommand;
import dev.corral.testing.Eventually;
import dev.corral.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Keys created or revoked by another process (the CLI) take effect on a running server without a restart. */
class RevocationTest {

    @Test
    void aKeyRevokedFromTheCliIsRefusedWithin2Seconds() throws Exception {
        // The test polls with a key the server does not know yet: lift the failed-auth limit per address,
        // which would otherwise (rightly) turn those 401s into 429s.
        try (TestGateway gw = TestGateway.start(java.util.Map.of("admission.failed_auth_burst", "100000"),
                dev.corral.sim.SimConfig.defaults(new dev.corral.config.HostPort("127.0.0.1", 0)))) {
            StringWriter out = new StringWriter();
            int code = CorralCommand.commandLine(new PrintWriter(out), new PrintWriter(new StringWriter()))
                    .execute("keys", "create", "--name", "cli-made", "--state-dir", gw.stateDir.toString());
            assertThat(code).isZero();
            String key = out.toString().trim();
            // Made by another "process": the server learns of it at its next one-second poll.
            Eventually.await("the new key to work", Duration.ofSeconds(2), () -> status(gw, key) == 200);

            assertThat(CorralCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))
                    .execute("keys", "revoke", ApiKey.idOf(key), "--state-dir", gw.stateDir.toString())).isZero();
            Eventually.await("the revoked key to be refused", Duration.ofSeconds(2), () -> status(gw, key) == 401);
        }
    }

    @Test
    void limitsChangedFromTheCliApplyToARunningServer() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            String key = gw.inferenceKey();
            String id = ApiKey.idOf(key);
            assertThat(status(gw, key)).isEqualTo(200);
            StringWriter err = new StringWriter();
            assertThat(CorralCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err))
                    .execute("keys", "update", id, "--rpm", "1", "--state-dir", gw.stateDir.toString())).isZero();
            assertThat(err.toString()).contains("rpm=1");
            Eventually.await("the new rate limit to refuse", Duration.ofSeconds(3), () -> status(gw, key) == 429);
            assertThat(CorralCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))
                    .execute("keys", "update", id, "--rpm", "default", "--state-dir", gw.stateDir.toString())).isZero();
            Eventually.await("the default (unlimited) to apply again", Duration.ofSeconds(3), () -> status(gw, key) == 200);
        }
    }

    static int status(TestGateway gw, String key) {
        try {
            return gw.get("/api/version", key).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
