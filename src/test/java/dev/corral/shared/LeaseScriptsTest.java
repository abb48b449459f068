package dev.corral.shared;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.admission.Claim;
import dev.corral.admission.TokenBudgets;
import dev.corral.audit.Audit;
import dev.corral.store.SqliteStore;
import dev.corral.store.StateDir;
import dev.corral.store.UsageRecord;
import dev.corral.testing.Eventually;
import dev.corral.testing.RedisServer;
import io.lettuce.core.ScriptOutputType;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Lua scripts' edge cases on a real Redis: a period seeded once from the store, settling with
 * the real count, a dead instance's reservations and slots reaped when its lease expires (and
 * never given back twice), periods that expired, and a clean leave.
 */
class LeaseScriptsTest {
    static final java.util.concurrent.ExecutorService STORE = java.util.concurrent.Executors.newCachedThreadPool();
    static final Instant T = Instant.now();

    RedisServer redis;
    SqliteStore store;
    final List<AutoCloseable> open = new ArrayList<>();

    /** One instance's parts, as SharedLimiters builds them, with a lease of its own length. */
    final class Node {
        final RedisLink link = RedisLink.connect(SharedLimitsTest.cfg(redis.url(), Duration.ofSeconds(10), false));
        final SharedState state = new SharedState(Audit.discarding(), false);
        final InstanceLease lease;
        final RedisLimits limits;

        Node(Duration lease) {
            this.lease = new InstanceLease(link, state, lease);
            this.lease.beat(); // registered, but not renewed by itself: a test renews it, or lets it die
            link.load("take");
            link.load("give");
            this.limits = new RedisLimits(link, this.lease, state, store, new RedisBuckets(link, state), STORE);
            open.add(link);
        }

        long usedToday() {
            return limits.usedToday("k", T);
        }

        /** Gives back what {@code c} holds and waits until Redis has it: the test reads Redis right after. */
        void settle(Claim c, long actual) {
            limits.settle(c, actual);
            Eventually.await("the give-back sent", Duration.ofSeconds(10), limits::settled);
        }

        Claim slot(int limit) {
            return Claims.slot(limits, "k", limit);
        }

        /** As kill -9 would: the connection drops, nothing is given back, the lease is not renewed. */
        void die() {
            link.close();
            open.remove(link);
        }
    }

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.shared();
        redis.flush();
        store = SqliteStore.open(StateDir.open(Files.createTempDirectory("corral-lease-")), 2000);
        store.insertUsage(List.of(new UsageRecord(T, "r1", "k", "chat", "m", 200, "ok", 30, 70, 5, 10, 10)));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        store.close();
    }

    Claim reserve(Node n, long daily, long amount) {
        Claim c = Claims.reserve(n.limits, "k", daily, 0, amount, T);
        if (c.refused() != null) {
            assertThat(c.refused()).isEqualTo(Claim.Refused.BUDGET);
            assertThat(c.exceeded().budget()).isEqualTo("daily");
            return null;
        }
        return c;
    }

    @Test
    void aPeriodStartsFromTheStoresUsageOnceAndSettlesWithTheRealCount() {
        Node a = new Node(Duration.ofSeconds(10));
        Node b = new Node(Duration.ofSeconds(10));
        Claim r = reserve(a, 300, 150);
        assertThat(r).isNotNull();
        assertThat(a.usedToday()).isEqualTo(250); // 100 used (the store) + 150 held
        store.insertUsage(List.of(new UsageRecord(T, "r2", "k", "chat", "m", 200, "ok", 1, 1000, 5, 10, 10)));
        Claim refused = Claims.reserve(b.limits, "k", 300, 0, 51, T);
        assertThat(refused.refused()).as("the period is not read from the store again").isEqualTo(Claim.Refused.BUDGET);
        assertThat(refused.exceeded().used()).isEqualTo(250);
        assertThat(refused.exceeded().resetsAt()).isEqualTo(Instant.ofEpochSecond((Math.floorDiv(T.getEpochSecond(), 86400) + 1) * 86400));
        a.settle(r, 20);
        assertThat(b.usedToday()).isEqualTo(120);
        a.settle(r, 20);
        assertThat(b.usedToday()).as("a second settle of the same reservation changes nothing").isEqualTo(120);
        assertThat(redis.command("HGET " + Keys.held(a.lease.id()) + " " + Keys.day("k", day()))).isEqualTo("(nil)");
    }

    @Test
    void aDeadInstancesReservationsAndSlotsStopCountingWhenItsLeaseExpires() {
        Node dead = new Node(Duration.ofMillis(600));
        Node live = new Node(Duration.ofSeconds(10));
        assertThat(reserve(dead, 300, 200)).isNotNull();
        assertThat(dead.slot(1)).isNotNull();
        dead.die();
        assertThat(reserve(live, 300, 200)).as("the dead instance's reservation still counts").isNull();
        assertThat(live.slot(1)).isNull();
        Eventually.await("the dead lease reaped by a renewal of the live one", Duration.ofSeconds(10), () -> {
            live.lease.beat();
            return live.usedToday() == 100;
        });
        assertThat(live.state.liveInstances()).isEqualTo(1);
        assertThat(redis.command("EXISTS " + Keys.held(dead.lease.id()))).isEqualTo(":0");
        assertThat(live.slot(1)).isNotNull();
        assertThat(reserve(live, 300, 200)).isNotNull();
    }

    @Test
    void aSettleAfterItsLeaseWasReapedGivesNothingBackTwice() {
        Node slow = new Node(Duration.ofMillis(600));
        Node live = new Node(Duration.ofSeconds(10));
        Claim r = reserve(slow, 1000, 200);
        Claim slot = slow.slot(5);
        Eventually.await("the slow lease reaped", Duration.ofSeconds(10), () -> {
            live.lease.beat();
            return live.usedToday() == 100;
        });
        Claim other = reserve(live, 1000, 300); // held 300 by the live one
        slow.settle(r, 50); // the slow one comes back and settles: only the 50 used count
        slow.settle(slot, 0);
        assertThat(live.usedToday()).isEqualTo(100 + 50 + 300);
        assertThat(redis.command("HGET " + Keys.day("k", day()) + " held")).isEqualTo("300");
        assertThat(redis.command("EXISTS " + Keys.slots("k"))).isEqualTo(":0");
        live.settle(other, 300);
        assertThat(redis.command("HGET " + Keys.day("k", day()) + " held")).isEqualTo("0");
    }

    @Test
    void aSettleIntoAnExpiredPeriodLeavesNoKeyBehind() {
        Node a = new Node(Duration.ofSeconds(10));
        Claim r = reserve(a, 1000, 10);
        redis.command("DEL " + Keys.day("k", day())); // the period ended and Redis expired it
        a.settle(r, 10);
        assertThat(redis.command("EXISTS " + Keys.day("k", day()))).isEqualTo(":0");
        assertThat(redis.command("EXISTS " + Keys.held(a.lease.id()))).isEqualTo(":0");
    }

    @Test
    void aSeededPeriodExpiresAnHourAfterItEnds() {
        Node a = new Node(Duration.ofSeconds(10));
        reserve(a, 1000, 10);
        long expiresAt = Long.parseLong(redis.command("PEXPIRETIME " + Keys.day("k", day())).substring(1));
        assertThat(expiresAt).isEqualTo(Keys.dayEndMillis(day()) + 3_600_000L);
    }

    @Test
    void leavingGivesBackEverythingAtOnceAndLeavesTheOthers() {
        Node a = new Node(Duration.ofSeconds(10));
        Node b = new Node(Duration.ofSeconds(10));
        reserve(a, 1000, 100);
        a.slot(5);
        reserve(b, 1000, 100);
        b.slot(5);
        a.lease.close();
        assertThat(b.usedToday()).isEqualTo(200);
        assertThat(redis.command("HGET " + Keys.slots("k") + " held")).isEqualTo("1");
        Long live = a.link.run("lease", ScriptOutputType.INTEGER, new String[] {InstanceLease.INSTANCES}, "probe", "1",
                Keys.HELD_PREFIX, "leave");
        assertThat(live).isEqualTo(1); // only b
    }

    @Test
    void aStoreThatFailsWhileAPeriodIsSeededFailsTheRequestAndLeavesLimitsShared() throws Exception {
        Node a = new Node(Duration.ofSeconds(10));
        store.close(); // the store cannot be read: the new period cannot be seeded
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reserve(a, 1000, 10))
                .isInstanceOf(java.util.concurrent.CompletionException.class)
                .hasCauseInstanceOf(dev.corral.store.StoreException.class);
        assertThat(a.state.shared()).as("a store failure is not a Redis outage").isTrue();
        store = SqliteStore.open(StateDir.open(Files.createTempDirectory("corral-lease-")), 2000); // for stop()
    }

    @Test
    void oneBatchOfClaimsOnOneKeyIsCheckedClaimByClaimAndWrittenOnce() {
        Node a = new Node(Duration.ofSeconds(10));
        // the period seeded: 100 used (the store) + 100 held (a budget of a hundred such requests: not taken ahead for)
        assertThat(reserve(a, 10_000, 100)).isNotNull();
        java.util.function.LongFunction<Claim> claim = tokens -> new Claim("k", 0, 0, 2, 0, tokens, 400, 0, T);
        // in one call, two slots and a budget of 400 of which 200 are used or held: the first is taken, the second
        // would make 500 and is refused (nothing taken), the third is taken (the second slot), the fourth finds
        // both slots taken; each sees what the ones before it in the call took
        List<Claim> batch = List.of(claim.apply(150), claim.apply(150), claim.apply(20), claim.apply(20));
        String[][] call = ClaimScripts.take(a.lease.id(), a.lease.leaseMillis(), batch);
        List<Long> r = a.link.<List<Long>>runLater("take", ScriptOutputType.MULTI, call[0], call[1]).join();
        assertThat(r).containsExactly(0L, 0L, 1L, 350L, 0L, 0L, 3L, 2L);
        assertThat(redis.command("HGET " + Keys.slots("k") + " held")).isEqualTo("2");
        assertThat(redis.command("HGET " + Keys.day("k", day()) + " held")).isEqualTo("270");
        assertThat(redis.command("HGET " + Keys.held(a.lease.id()) + " " + Keys.slots("k"))).isEqualTo("2");
        assertThat(redis.command("HGET " + Keys.held(a.lease.id()) + " " + Keys.day("k", day()))).isEqualTo("270");
        // both slots and both reservations back in one call: the held fields and the slot hash go
        TokenBudgets.Reservation res150 = new TokenBudgets.Reservation("k", day(), TokenBudgets.NONE, 150);
        TokenBudgets.Reservation res20 = new TokenBudgets.Reservation("k", day(), TokenBudgets.NONE, 20);
        String[][] give = ClaimScripts.give(List.of(new ClaimScripts.Give(a.lease.id(), "k", 1, res150, 90),
                new ClaimScripts.Give(a.lease.id(), "k", 1, res20, 5)));
        a.link.runLater("give", ScriptOutputType.INTEGER, give[0], give[1]).join();
        assertThat(redis.command("EXISTS " + Keys.slots("k"))).isEqualTo(":0");
        assertThat(redis.command("HGET " + Keys.day("k", day()) + " held")).isEqualTo("100");
        assertThat(redis.command("HGET " + Keys.day("k", day()) + " used")).isEqualTo("195");
        assertThat(redis.command("HGET " + Keys.held(a.lease.id()) + " " + Keys.slots("k"))).isEqualTo("(nil)");
        assertThat(redis.command("HGET " + Keys.held(a.lease.id()) + " " + Keys.day("k", day()))).isEqualTo("100");
    }

    static long day() {
        return Math.floorDiv(T.getEpochSecond(), 86_400L);
    }
}
