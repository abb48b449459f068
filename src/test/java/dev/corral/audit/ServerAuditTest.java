package dev.corral.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.Corral;
import dev.corral.config.ConfigLoader;
import dev.corral.store.StoreException;
import dev.corral.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server records its start and stop, publishes the head, and will not start on a log it cannot trust. */
class ServerAuditTest {
    @TempDir
    Path dir;

    @Test
    void theServerRecordsStartAndStopAndPublishesTheHead() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            Path f = gw.stateDir.resolve("audit.log");
            AuditHead started = gw.corral.audit().head();
            assertThat(started.seq()).isEqualTo(1);
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            AuditEntry start = AuditEntry.parse(lines.get(0).getBytes(StandardCharsets.UTF_8));
            assertThat(start.actor()).isEqualTo("system");
            assertThat(start.action()).isEqualTo("server.start");
            assertThat(start.details()).containsEntry("listen", "127.0.0.1:" + gw.port()).containsEntry("tls", false)
                    .containsEntry("upstream", "127.0.0.1:" + gw.sim.port()).containsKey("version");
            assertThat(start.hash()).isEqualTo(started.hash());

            gw.corral.audit().record("uid:1000", Actions.KEY_CREATE, "aaaaaaaaaaaa", Map.of("name", "alice"));
            gw.corral.close();
            AuditHead stopped = gw.corral.audit().head();
            assertThat(stopped.seq()).isEqualTo(3);
            AuditVerifier.Result r = AuditVerifier.verify(f, stopped.hash());
            assertThat(r.ok()).isTrue();
            List<String> after = Files.readAllLines(f, StandardCharsets.UTF_8);
            assertThat(after).hasSize(3);
            assertThat(after.get(2)).contains("\"action\":\"server.stop\"");
            gw.corral.close(); // a second close records nothing more
            assertThat(Files.readAllLines(f, StandardCharsets.UTF_8)).hasSize(3);
        }
    }

    @Test
    void aServerDoesNotStartOnALogChangedOutsideCorral() throws Exception {
        Path state = dir.resolve("state");
        Files.createDirectories(state);
        Path f = AuditFiles.sixEntries(state);
        List<String> lines = AuditFiles.lines(f);
        lines.set(5, lines.get(5).replace("\"details\":{}", "\"details\":{\"by\":\"mallory\"}"));
        AuditFiles.write(f, lines);
        var settings = new ConfigLoader(Map.of()).load(null, Map.of("listen.address", "127.0.0.1:0", "admin.listen", "127.0.0.1:0",
                "state_dir", state.toString(), "upstream.url", "http://127.0.0.1:9"));
        assertThatThrownBy(() -> Corral.start(settings)).isInstanceOf(StoreException.class)
                .hasMessageContaining("audit.log").hasMessageContaining("corral audit verify");
        assertThat(AuditFiles.lines(f)).as("nothing was added to the evidence").isEqualTo(lines);
        assertThat(Files.exists(state.resolve("admin.sock"))).isFalse();
    }
}
