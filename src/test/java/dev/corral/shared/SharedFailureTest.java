package dev.corral.shared;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.access.Principal;
import dev.corral.admission.AdmissionControl;
import dev.corral.audit.Actions;
import dev.corral.audit.Audit;
import dev.corral.store.KeyLimits;
import dev.corral.store.SqliteStore;
import dev.corral.store.StateDir;
import dev.corral.testing.Eventually;
import dev.corral.testing.RedisServer;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis stopped and started under two instances: with on_shared_failure local, each enforces the
 * limit divided by the live instances it last saw, audits the change both ways and says so for
 * /healthz; with refuse, admission answers 503; when Redis is back, limits are shared again.
 */
class SharedFailureTest {
    RedisServer redis;
    SqliteStore store;
    final List<SharedLimiters> opened = new ArrayList<>();
    final List<String> audited = new CopyOnWriteArrayList<>();
    final Audit audit = (actor, action, target, details) -> {
        Audit.discarding().record(actor, action, target, details);
        audited.add(action + " " + details);
    };

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.startNew(); // its own: this test stops it
        store = SqliteStore.open(StateDir.open(Files.createTempDirectory("corral-failure-")), 2000);
    }

    @AfterEach
    void stop() throws Exception {
        opened.forEach(SharedLimiters::close);
        store.close();
        redis.close();
    }

    SharedLimiters open(boolean refuse) {
        SharedLimiters s = SharedLimiters.open(SharedLimitsTest.cfg(redis.url(), Duration.ofSeconds(3), refuse), store, audit);
        opened.add(s);
        return s;
    }

    static AdmissionControl admission(SharedLimiters s) {
        return new AdmissionControl(SharedLimitsTest.ADMISSION, s.limiters(), Clock.systemUTC());
    }

    @Test
    void redisDownEachInstanceEnforcesItsShareAndSharesAgainWhenItReturns() throws Exception {
        SharedLimiters a = open(false);
        SharedLimiters b = open(false);
        Eventually.await("a has seen b's lease", Duration.ofSeconds(10), () -> a.state().liveInstances() == 2);
        AdmissionControl onA = admission(a);
        Principal p = SharedLimitsTest.key("k", new KeyLimits(null, 1000L, null, null, 4, null));
        assertThat(onA.limitsDegraded()).isNull();

        redis.stop();
        // concurrency 4 over 2 live instances: 2 here; tpm 1000: 500 here
        AdmissionControl.Decision first = onA.admit(p, true, true, 99, 4);
        AdmissionControl.Decision second = onA.admit(p, true, true, 99, 4);
        AdmissionControl.Decision third = onA.admit(p, true, true, 99, 4);
        assertThat(first.ticket()).isNotNull();
        assertThat(second.ticket()).isNotNull();
        assertThat(third.refusal().reason()).isEqualTo("concurrency");
        onA.settle(first.ticket(), 100);
        onA.settle(second.ticket(), 100);
        long admitted = 0;
        for (int i = 0; i < 10; i++) {
            AdmissionControl.Decision d = onA.admit(p, true, true, 99, 4);
            if (d.ticket() != null) {
                admitted++;
                onA.settle(d.ticket(), 100);
            }
        }
        assertThat(admitted).as("what is left of this instance's 500 tpm after 200").isEqualTo(3);
        assertThat(onA.limitsDegraded()).contains("1/2");
        // whichever thread saw Redis fail first (a request or the heartbeat) flips the state, then writes the entry
        Eventually.await("the degradation audited", Duration.ofSeconds(5), () -> audited.stream().anyMatch(e ->
                e.startsWith(Actions.LIMITS_DEGRADED) && e.contains("live_instances=2") && e.contains("on_shared_failure=local")));

        redis.start();
        Eventually.await("shared again", Duration.ofSeconds(20), () -> onA.limitsDegraded() == null);
        // the heartbeat's thread flips the state, then writes the audit entry: wait for the entry, not only the flag
        Eventually.await("the recovery audited", Duration.ofSeconds(5),
                () -> audited.stream().anyMatch(e -> e.startsWith(Actions.LIMITS_RECOVERED)));
        AdmissionControl.Decision again = onA.admit(p, true, true, 99, 4);
        assertThat(again.ticket()).isNotNull();
        assertThat(redis.command("HGET corral:slots:k held")).as("slots are taken in Redis again").isEqualTo("1");
        onA.settle(again.ticket(), 1);
    }

    @Test
    void withRefuseRedisDownIsA503UntilItReturns() throws Exception {
        SharedLimiters a = open(true);
        AdmissionControl onA = admission(a);
        Principal p = SharedLimitsTest.key("k", new KeyLimits(10L, null, null, null, 4, null));
        redis.stop();
        AdmissionControl.Decision d = onA.admit(p, true, true, 10, 4);
        assertThat(d.ticket()).isNull();
        assertThat(d.refusal().status()).isEqualTo(503);
        assertThat(d.refusal().reason()).isEqualTo("limits_unavailable");
        assertThat(onA.inFlight("k")).isZero();
        assertThat(onA.limitsDegraded()).contains("refusing");
        Eventually.await("the degradation audited", Duration.ofSeconds(5), () -> audited.stream().anyMatch(e ->
                e.startsWith(Actions.LIMITS_DEGRADED) && e.contains("on_shared_failure=refuse")));
        redis.start();
        Eventually.await("shared again", Duration.ofSeconds(20), () -> onA.limitsDegraded() == null);
        assertThat(onA.admit(p, true, true, 10, 4).ticket()).isNotNull();
    }

    @Test
    void overTlsTheServerIsTrustedThroughLimitsSharedCaAndNotWithoutIt() throws Exception {
        java.nio.file.Path dir = Files.createTempDirectory("corral-redis-certs-");
        dev.corral.tls.SelfSigned.Files3 own = dev.corral.tls.SelfSigned.write("127.0.0.1", 2, dir.resolve("own"));
        dev.corral.tls.SelfSigned.Files3 other = dev.corral.tls.SelfSigned.write("127.0.0.1", 2, dir.resolve("other"));
        try (RedisServer tls = RedisServer.startTls(own.cert(), own.key())) {
            dev.corral.config.SharedLimits trusted = new dev.corral.config.SharedLimits(java.net.URI.create(tls.url()), null,
                    own.ca(), Duration.ofSeconds(3), Duration.ofSeconds(2), false);
            SharedLimiters s = SharedLimiters.open(trusted, store, audit);
            opened.add(s);
            assertThat(Claims.slot(s.limiters(), "k", 1)).isNotNull();
            assertThat(Claims.slot(s.limiters(), "k", 1)).as("the slot is held in Redis, over TLS").isNull();
            dev.corral.config.SharedLimits wrongCa = new dev.corral.config.SharedLimits(java.net.URI.create(tls.url()), null,
                    other.ca(), Duration.ofSeconds(3), Duration.ofSeconds(2), false);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SharedLimiters.open(wrongCa, store, audit))
                    .isInstanceOf(dev.corral.config.ConfigException.class).hasMessageContaining("does not answer");
        }
    }

    @Test
    void anInstanceThatCannotReachRedisAtStartDoesNotStart() throws Exception {
        redis.stop();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> open(false))
                .isInstanceOf(dev.corral.config.ConfigException.class)
                .hasMessageContaining("limits.shared: Redis at " + redis.url())
                .hasMessageContaining("leave limits.shared empty");
        redis.start();
    }
}
