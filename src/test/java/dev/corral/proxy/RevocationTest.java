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
        try (TestGateway gw = TestGateway.start()) {
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

    static int status(TestGateway gw, String key) {
        try {
            return gw.get("/api/version", key).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
