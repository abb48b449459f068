package dev.corral.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.store.Scope;
import dev.corral.testing.Eventually;
import dev.corral.testing.MutableClock;
import dev.corral.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the running server writes to the audit log by itself: failed-auth bursts, store trouble and recovery, expired keys. */
class ServerAuditEventsTest {

    static String audit(TestGateway gw) {
        try {
            return Files.readString(gw.stateDir.resolve("audit.log"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void failedAuthenticationIsSummarisedPerAddressNotOneLineEach() throws Exception {
        TestGateway gw = TestGateway.start(Map.of("admission.failed_auth_burst", "1000"), SimConfig.defaults(new HostPort("127.0.0.1", 0)));
        Path state = gw.stateDir;
        try {
            for (int i = 0; i < 25; i++) {
                gw.get("/api/tags", "crl_000000000000_" + "x".repeat(43));
            }
            gw.corral.close(); // the summary is flushed at the latest when the server stops
            String log = Files.readString(state.resolve("audit.log"));
            assertThat(log.lines().filter(l -> l.contains("\"auth.failures\"")).toList()).singleElement()
                    .satisfies(l -> assertThat(l).contains("\"127.0.0.1\"").contains("\"count\":25"));
            assertThat(log).doesNotContain("x".repeat(43));
        } finally {
            gw.close();
        }
    }

    @Test
    void aStoreThatStopsTakingRecordsAndComesBackIsAudited() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("usage.busy_timeout", "100ms"), SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            String key = gw.inferenceKey();
            try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + gw.stateDir.resolve("corral.db"));
                 Statement st = lock.createStatement()) {
                st.execute("PRAGMA busy_timeout = 100");
                st.execute("BEGIN EXCLUSIVE");
                gw.get("/api/tags", key);
                Eventually.await("the store failure to be audited", Duration.ofSeconds(10),
                        () -> audit(gw).contains("\"store.degraded\""));
                st.execute("COMMIT");
            }
            gw.usage();
            Eventually.await("the recovery to be audited", Duration.ofSeconds(10), () -> audit(gw).contains("\"store.recovered\""));
        }
    }

    @Test
    void aKeyThatExpiresWhileTheServerRunsIsAuditedOnce() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
        try (TestGateway gw = TestGateway.start(Map.of(), SimConfig.defaults(new HostPort("127.0.0.1", 0)), clock)) {
            gw.key("short-lived", EnumSet.of(Scope.INFERENCE), List.of(), clock.instant().plus(Duration.ofHours(1)));
            clock.advance(Duration.ofHours(2));
            Eventually.await("the expiry to be audited", Duration.ofSeconds(10), () -> audit(gw).contains("\"key.expire\""));
            assertThat(audit(gw).lines().filter(l -> l.contains("\"key.expire\"")).count()).isEqualTo(1);
        }
    }
}
