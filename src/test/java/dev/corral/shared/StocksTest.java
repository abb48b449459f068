package dev.corral.shared;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.admission.Claim;
import dev.corral.admission.Limiters;
import dev.corral.testing.Eventually;
import dev.corral.testing.RedisServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What instances take ahead of their requests ({@link Stocks}), on a real Redis: a busy key with
 * large limits is admitted with a small fraction of the calls, two instances together still never
 * admit more than the limits allow, what a stock holds goes back when it sits unused, the tokens its
 * requests used are counted in the budget, and a key with small limits is never taken ahead for.
 */
class StocksTest {
    SharedFixture shared;
    RedisServer redis;
    final ExecutorService pool = Executors.newFixedThreadPool(16);

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

    SharedLimiters instance() {
        return shared.open();
    }

    static long calls(RedisServer redis) {
        long n = 0;
        for (String line : redis.command("INFO commandstats").split("\\R")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:") || line.startsWith("cmdstat_get:")) {
                n += Long.parseLong(line.replaceAll("^[^:]+:calls=(\\d+),.*", "$1"));
            }
        }
        return n;
    }

    /** A claim of a key with every limit large next to it: 1e6 requests a minute, 1e4 in flight, 1e9 tokens. */
    static Claim big(String key, long tokens) {
        return new Claim(key, 1_000_000, 1_000_000, 10_000, 1_000_000_000L, tokens, 1_000_000_000L, 1_000_000_000L,
                Instant.now());
    }

    @Test
    void aBusyKeyWithLargeLimitsNeedsFewCallsAndItsUsedTokensAreCounted() throws Exception {
        Limiters l = instance().limiters();
        redis.command("CONFIG RESETSTAT");
        long before = calls(redis);
        List<Claim> held = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            Claim c = l.take(big("busy", 100)).join();
            assertThat(c.refused()).isNull();
            held.add(c);
            if (held.size() == 20) { // twenty in flight at a time, each using 60 of its 100 tokens
                held.forEach(h -> l.settle(h, 60));
                held.clear();
            }
        }
        long calls = calls(redis) - before;
        assertThat(calls).as("Redis calls for 2000 admissions").isLessThan(200);
        // the used tokens reach Redis's budget within a sweep or two
        long day = Math.floorDiv(Instant.now().getEpochSecond(), 86_400L);
        Eventually.await("2000 x 60 tokens counted as used", Duration.ofSeconds(5),
                () -> "120000".equals(redis.command("HGET " + Keys.day("busy", day) + " used")));
        // unused for a second, the stock goes back: nothing is held any more (no request in flight)
        Eventually.await("the stock given back", Duration.ofSeconds(10), () ->
                "(nil)".equals(redis.command("HGET " + Keys.slots("busy") + " held"))
                        && "0".equals(redis.command("HGET " + Keys.day("busy", day) + " held")));
        assertThat(((RedisLimits) l).stocks().size()).isZero();
    }

    @Test
    void twoInstancesTakingAheadNeverAdmitMoreThanTheRateAllows() throws Exception {
        Limiters a = instance().limiters();
        Limiters b = instance().limiters();
        // 2,560 requests a minute and no other limit: large enough to be taken ahead for (128 per instance and more),
        // small enough that 4,000 attempts in a few seconds run into it
        long start = System.nanoTime();
        ConcurrentLinkedQueue<Claim> admitted = new ConcurrentLinkedQueue<>();
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Limiters on = t % 2 == 0 ? a : b;
            fs.add(pool.submit(() -> {
                for (int i = 0; i < 500; i++) {
                    Claim c = on.take(new Claim("ratekey", 2560, 2560, 0, 0, 0, 0, 0, Instant.now())).join();
                    if (c.refused() == null) {
                        admitted.add(c);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        double minutes = (System.nanoTime() - start) / 60e9;
        // the bucket starts full (2,560) and refills 2,560 a minute: no more than that many, whoever took ahead
        assertThat((double) admitted.size()).isLessThanOrEqualTo(2560 + Math.ceil(2560 * minutes));
        assertThat(admitted.size()).as("taking ahead does not starve the key").isGreaterThan(2000);
    }

    @Test
    void aKeyWithSmallLimitsIsNeverTakenAheadFor() {
        Limiters l = instance().limiters();
        long day = Math.floorDiv(Instant.now().getEpochSecond(), 86_400L);
        // a daily budget of 50 requests' worth: each request holds just its own reservation
        Claim c = l.take(new Claim("smallkey", 0, 0, 0, 0, 100, 5000, 0, Instant.now())).join();
        assertThat(c.refused()).isNull();
        assertThat(redis.command("HGET " + Keys.day("smallkey", day) + " held")).isEqualTo("100");
        assertThat(((RedisLimits) l).stocks().size()).isZero();
        l.settle(c, 80);
    }

    @Test
    void closingGivesTheStockBackAndCountsWhatItsRequestsUsed() throws Exception {
        SharedLimiters s = instance();
        Limiters l = s.limiters();
        long day = Math.floorDiv(Instant.now().getEpochSecond(), 86_400L);
        List<CompletableFuture<Claim>> taken = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            taken.add(l.take(big("closekey", 10)));
        }
        for (CompletableFuture<Claim> f : taken) {
            Claim c = f.join();
            assertThat(c.refused()).isNull();
            l.settle(c, 7);
        }
        shared.close(s);
        assertThat(redis.command("HGET " + Keys.day("closekey", day) + " used")).isEqualTo("350");
        assertThat(redis.command("HGET " + Keys.day("closekey", day) + " held")).isIn("0", "(nil)");
        assertThat(redis.command("HGET " + Keys.slots("closekey") + " held")).isEqualTo("(nil)");
    }

    @Test
    void requestsThatEndAfterTheirStockWasGivenBackGiveTheirsBackToo() throws Exception {
        Limiters l = instance().limiters();
        long day = Math.floorDiv(Instant.now().getEpochSecond(), 86_400L);
        List<Claim> inFlight = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Claim c = l.take(big("latekey", 10)).join();
            assertThat(c.refused()).isNull();
            inFlight.add(c);
        }
        // no request for a second: the stock is given back while these 30 are still in flight
        Eventually.await("the idle stock given back", Duration.ofSeconds(10), () -> ((RedisLimits) l).stocks().size() == 0);
        assertThat(redis.command("HGET " + Keys.slots("latekey") + " held")).isEqualTo("30");
        inFlight.forEach(c -> l.settle(c, 5));
        Eventually.await("their slots and reservations back, their tokens counted", Duration.ofSeconds(5), () ->
                "(nil)".equals(redis.command("HGET " + Keys.slots("latekey") + " held"))
                        && "0".equals(redis.command("HGET " + Keys.day("latekey", day) + " held"))
                        && "150".equals(redis.command("HGET " + Keys.day("latekey", day) + " used")));
    }
}
