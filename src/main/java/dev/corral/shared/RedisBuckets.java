package dev.corral.shared;

import dev.corral.admission.Buckets;
import dev.corral.admission.LocalBuckets;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Request and token buckets in Redis: Bucket4j's own Redis buckets over Lettuce (compare-and-swap),
 * the same operations as {@link LocalBuckets} with the same limits, shared by every instance. A
 * bucket left alone expires once it would have refilled. While Redis does not answer, buckets are
 * this instance's share of each limit, in memory. Give-backs (refunds, debts) are sent off the
 * event loop; one lost in an outage is dropped (a refund lost is stricter, a debt lost lets at most
 * that request's overshoot through).
 */
final class RedisBuckets implements Buckets {
    /** Bucket4j refills at most one token per nanosecond (as LocalBuckets). */
    private static final long MAX_PER_MINUTE = 60_000_000_000L;

    private final ProxyManager<String> proxies;
    private final Map<String, BucketProxy> inUse = new ConcurrentHashMap<>();
    private final LocalBuckets local = new LocalBuckets();
    private final SharedState state;
    private final Executor giveBacks;

    RedisBuckets(RedisLink redis, SharedState state, Duration timeout, Executor giveBacks) {
        this.proxies = Bucket4jLettuce.casBasedBuilder(redis.bucketConnection())
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1)))
                .requestTimeout(timeout)
                .build();
        this.state = state;
        this.giveBacks = giveBacks;
    }

    /**
     * One proxy per bucket, kept while it is used: Bucket4j's batching (exact) then combines the calls
     * that meet at one busy key into one compare-and-swap, where separate ones would retry each other.
     */
    private BucketProxy bucket(String name, long capacity, long requestedPerMinute) {
        long perMinute = Math.min(requestedPerMinute, MAX_PER_MINUTE);
        String key = Keys.bucket(name, capacity, perMinute);
        BucketProxy b = inUse.get(key);
        if (b != null) {
            return b;
        }
        return inUse.computeIfAbsent(key, k -> proxies.builder().withOptimization(Optimizations.batching())
                .build(k, () -> BucketConfiguration.builder()
                        .addLimit(limit -> limit.capacity(capacity).refillGreedy(perMinute, Duration.ofMinutes(1)))
                        .build()));
    }

    @Override
    public long take(String name, long capacity, long perMinute, long n) {
        if (state.shared()) {
            try {
                ConsumptionProbe p = bucket(name, capacity, perMinute).tryConsumeAndReturnRemaining(n);
                return p.isConsumed() ? 0 : Math.max(1, p.getNanosToWaitForRefill());
            } catch (RuntimeException e) {
                state.failed(e);
            }
        }
        state.localOrRefuse();
        return local.take(name, state.share(capacity), state.share(perMinute), n);
    }

    @Override
    public void force(String name, long capacity, long perMinute, long n) {
        if (n > 0) {
            giveBacks.execute(() -> {
                if (state.shared()) {
                    try {
                        bucket(name, capacity, perMinute).consumeIgnoringRateLimits(n);
                        return;
                    } catch (RuntimeException e) {
                        state.failed(e);
                    }
                }
                local.force(name, state.share(capacity), state.share(perMinute), n);
            });
        }
    }

    @Override
    public void refund(String name, long capacity, long perMinute, long n) {
        if (n > 0) {
            giveBacks.execute(() -> {
                if (state.shared()) {
                    try {
                        bucket(name, capacity, perMinute).addTokens(n);
                        return;
                    } catch (RuntimeException e) {
                        state.failed(e);
                    }
                }
                local.refund(name, state.share(capacity), state.share(perMinute), n);
            });
        }
    }

    @Override
    public long available(String name, long capacity, long perMinute) {
        if (state.shared()) {
            try {
                return bucket(name, capacity, perMinute).getAvailableTokens();
            } catch (RuntimeException e) {
                state.failed(e);
            }
        }
        return local.available(name, state.share(capacity), state.share(perMinute));
    }

    /** Redis expires idle buckets itself; the proxies in use start again, and the local ones (an outage's) are forgotten. */
    @Override
    public void evictFull() {
        inUse.clear();
        local.evictFull();
    }
}
