package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.access.ApiKey;
import dev.corral.cli.CorralCommand;
import dev.corral.testing.Eventually;
import dev.corral.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Keys created, changed or revoked from the CLI take effect on a running server before the command returns. */
class RevocationTest {

    @Test
    void aKeyCreatedFromTheCliWorksAndARevokedOneIsRefusedTheMomentTheCommandReturns() throws Exception {
        // Revoked keys are used on purpose: lift the failed-auth limit per address, which would turn 401s into 429s.
        try (TestGateway gw = TestGateway.start(java.util.Map.of("admission.failed_auth_burst", "100000"),
                dev.corral.sim.SimConfig.defaults(new dev.corral.config.HostPort("127.0.0.1", 0)))) {
            for (int i = 0; i < 10; i++) {
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int code = CorralCommand.commandLine(new PrintWriter(out), new PrintWriter(err))
                        .execute("keys", "create", "--name", "cli-made-" + i, "--state-dir", gw.stateDir.toString());
                assertThat(code).isZero();
                assertThat(err.toString()).contains("The running server accepts it now");
                String key = out.toString().trim();
                assertThat(status(gw, key)).as("the very next request").isEqualTo(200);
                assertThat(CorralCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))
                        .execute("keys", "revoke", ApiKey.idOf(key), "--state-dir", gw.stateDir.toString())).isZero();
                assertThat(status(gw, key)).as("the very next request").isEqualTo(401);
            }
        }
    }

    @Test
    void limitsChangedFromTheCliApplyBeforeTheCommandReturns() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            String key = gw.inferenceKey();
            String id = ApiKey.idOf(key);
            assertThat(status(gw, key)).isEqualTo(200);
            StringWriter err = new StringWriter();
            assertThat(CorralCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err))
                    .execute("keys", "update", id, "--rpm", "1", "--state-dir", gw.stateDir.toString())).isZero();
            assertThat(err.toString()).contains("rpm=1").contains("applies them now");
            assertThat(status(gw, key)).isEqualTo(200); // the one request a minute
            assertThat(status(gw, key)).isEqualTo(429);
            assertThat(CorralCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))
                    .execute("keys", "update", id, "--rpm", "default", "--state-dir", gw.stateDir.toString())).isZero();
            assertThat(status(gw, key)).isEqualTo(200);
        }
    }

    @Test
    void aKeyWrittenToTheStoreByAnotherProcessIsPickedUpWithin2Seconds() throws Exception {
        // Not through the admin socket (e.g. a tool on the store itself): the server's one-second poll finds it.
        try (TestGateway gw = TestGateway.start(java.util.Map.of("admission.failed_auth_burst", "100000"),
                dev.corral.sim.SimConfig.defaults(new dev.corral.config.HostPort("127.0.0.1", 0)));
             dev.corral.store.SqliteStore other = dev.corral.store.SqliteStore.open(dev.corral.store.StateDir.open(gw.stateDir))) {
            var keys = new dev.corral.access.KeyManager(other, new dev.corral.access.KeyHasher(
                    dev.corral.store.StateDir.open(gw.stateDir).serverSecret()), java.time.Clock.systemUTC(),
                    dev.corral.audit.Audit.discarding());
            String key = keys.create(new dev.corral.access.KeyManager.Spec("elsewhere", java.util.Set.of(dev.corral.store.Scope.INFERENCE),
                    java.util.List.of(), null, null), "system").key();
            Eventually.await("the new key to work", Duration.ofSeconds(2), () -> status(gw, key) == 200);
            keys.revoke(ApiKey.idOf(key), "system");
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
