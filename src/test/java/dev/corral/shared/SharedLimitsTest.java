package dev.corral.shared;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.access.ModelPatterns;
import dev.corral.access.Principal;
import dev.corral.admission.AdmissionControl;
import dev.corral.admission.Ticket;
import dev.corral.config.ConfigLoader;
import dev.corral.config.Settings;
import dev.corral.config.SharedLimits;
import dev.corral.store.KeyLimits;
import dev.corral.store.Scope;
import dev.corral.testing.Eventually;
import dev.corral.testing.RedisServer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two instances sharing one real Redis never admit more than one instance would: request rate,
 * tokens per minute, daily budget and requests in flight, under 40 parallel attempts split over both.
 */
class SharedLimitsTest {
    static final Settings.Admission ADMISSION = new ConfigLoader(Map.of()).load(null, Map.of()).admission();

    SharedFixture shared;
    RedisServer redis;
    final ExecutorService pool = Executors.newFixedThreadPool(40);

    @BeforeEach
    void start() throws Exception {
        shared = new SharedFixture();
        redis = shared.redis;
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
        shared.close();
    }

    static SharedLimits cfg(String url, Duration lease, boolean refuse) {
        return new SharedLimits(URI.create(url), null, null, lease, Duration.ofSeconds(2), refuse); // a busy test machine
    }

    AdmissionControl instance() {
        return new AdmissionControl(ADMISSION, shared.open().limiters(), Clock.systemUTC());
    }

    static Principal key(String id, KeyLimits limits) {
        return new Principal(id, id, Set.of(Scope.INFERENCE), ModelPatterns.of(List.of()), limits);
    }

    /** An admission and the instance that made it (which must settle it). */
    record Admitted(AdmissionControl by, Ticket ticket) {}

    /** 40 admissions at once, 20 on each instance; those admitted. */
    List<Admitted> admitAtOnce(AdmissionControl a, AdmissionControl b, Principal p, long maxTokens) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Admitted>> fs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            AdmissionControl on = i % 2 == 0 ? a : b;
            Callable<Admitted> c = () -> {
                go.await();
                AdmissionControl.Decision d = on.admit(p, true, true, maxTokens, 4);
                if (d.ticket() == null) {
                    assertThat(d.refusal().status()).as(d.refusal().message()).isEqualTo(429);
                    return null;
                }
                return new Admitted(on, d.ticket());
            };
            fs.add(pool.submit(c));
        }
        go.countDown();
        List<Admitted> admitted = new ArrayList<>();
        for (Future<Admitted> f : fs) {
            Admitted x = f.get();
            if (x != null) {
                admitted.add(x);
            }
        }
        return admitted;
    }

    @Test
    void fortyParallelReservationsAgainstATpmThatFitsFiveAdmitFiveAcrossTwoInstances() throws Exception {
        AdmissionControl a = instance();
        AdmissionControl b = instance();
        // Each request reserves 1 (4 body bytes) + 99 completion tokens = 100 of the key's 500 a minute.
        Principal p = key("tpmkey", new KeyLimits(null, 500L, null, null, 0, null));
        assertThat(admitAtOnce(a, b, p, 99)).hasSize(5);
    }

    @Test
    void requestsInFlightHoldAcrossInstancesAndComeBackWhenSettled() throws Exception {
        AdmissionControl a = instance();
        AdmissionControl b = instance();
        Principal p = key("conckey", new KeyLimits(null, null, null, null, 2, null));
        List<Admitted> first = admitAtOnce(a, b, p, 10);
        assertThat(first).hasSize(2);
        assertThat(redis.command("HGET corral:slots:conckey held")).isEqualTo("2");
        first.forEach(x -> x.by().settle(x.ticket(), 0));
        // give-backs go to Redis off the caller's thread: the key vanishes when no slot is held
        Eventually.await("both slots back in Redis", Duration.ofSeconds(10),
                () -> "(nil)".equals(redis.command("HGET corral:slots:conckey held")));
        assertThat(admitAtOnce(a, b, p, 10)).hasSize(2);
    }

    @Test
    void requestRateAndDailyBudgetHoldAcrossInstances() throws Exception {
        AdmissionControl a = instance();
        AdmissionControl b = instance();
        assertThat(admitAtOnce(a, b, key("rpmkey", new KeyLimits(7L, null, null, null, 0, null)), 10)).hasSize(7);
        // 100 tokens each against a daily budget of 1000, with 300 already used today (seeded from the store)
        shared.store.insertUsage(List.of(new dev.corral.store.UsageRecord(java.time.Instant.now(), "r1", "daykey", "chat", "m",
                200, "ok", 100, 200, 5, 10, 10)));
        assertThat(admitAtOnce(a, b, key("daykey", new KeyLimits(null, null, 1000L, null, 0, null)), 99)).hasSize(7);
        assertThat(a.usedToday("daykey")).isEqualTo(1000);
    }

    @Test
    void aClaimIsTakenWholeOrNotAtAllARefusalGivesBackWhatItTookBefore() throws Exception {
        SharedLimiters s = shared.open();
        dev.corral.admission.Limiters l = s.limiters();
        java.time.Instant now = java.time.Instant.now();
        // 100 tokens a minute (1.7 a second come back), one request in flight
        dev.corral.admission.Claim first = l.take(new dev.corral.admission.Claim("wholekey", 0, 0, 1, 100, 40, 0, 0, now)).join();
        assertThat(first.refused()).isNull();
        dev.corral.admission.Claim second = l.take(new dev.corral.admission.Claim("wholekey", 0, 0, 1, 100, 40, 0, 0, now)).join();
        assertThat(second.refused()).as("the slot is taken").isEqualTo(dev.corral.admission.Claim.Refused.CONCURRENCY);
        l.settle(first, 40);
        // 60 tokens are left only if the refused claim gave back the 40 it had taken from the tokens per minute
        // (without that, 20 are left, and the minute gives back 40 more only after 24 s)
        Eventually.await("60 tokens and the slot available", Duration.ofSeconds(5), () -> {
            dev.corral.admission.Claim third = l.take(new dev.corral.admission.Claim("wholekey", 0, 0, 1, 100, 60, 0, 0,
                    java.time.Instant.now())).join();
            return third.refused() == null;
        });
    }
}
