package dev.corral.shared;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Request and token buckets in Redis: Bucket4j's own Redis buckets over Lettuce (compare-and-swap),
 * asynchronous, with the same limits as {@code LocalBuckets}, shared by every instance. A bucket
 * left alone expires once it would have refilled. Bucket4j's batching (exact) combines the calls
 * that meet at one busy bucket into one compare-and-swap, where separate ones would retry each other.
 */
final class RedisBuckets {
    /** Bucket4j refills at most one token per nanosecond (as LocalBuckets). */
    private static final long MAX_PER_MINUTE = 60_000_000_000L;

    private final AsyncProxyManager<String> proxies;
    private final Map<String, AsyncBucketProxy> inUse = new ConcurrentHashMap<>();
    private final SharedState state;

    /** Each call is bounded by the connection's own timeout (limits.shared_timeout), not by a timer of Bucket4j's. */
    RedisBuckets(RedisLink redis, SharedState state) {
        this.proxies = Bucket4jLettuce.casBasedBuilder(redis.bucketConnection())
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1)))
                .build()
                .asAsync();
        this.state = state;
    }

    /** One proxy per bucket, kept while it is used, so that its calls are batched together. */
    private AsyncBucketProxy bucket(String name, long capacity, long requestedPerMinute) {
        long perMinute = Math.min(requestedPerMinute, MAX_PER_MINUTE);
        String key = Keys.bucket(name, capacity, perMinute);
        AsyncBucketProxy b = inUse.get(key);
        if (b != null) {
            return b;
        }
        return inUse.computeIfAbsent(key, k -> proxies.builder().withOptimization(Optimizations.batching())
                .build(k, BucketConfiguration.builder()
                        .addLimit(limit -> limit.capacity(capacity).refillGreedy(perMinute, Duration.ofMinutes(1)))
                        .build()));
    }

    /** Takes {@code n} if there are {@code n}; the probe says whether, and how long until there would be. */
    CompletableFuture<ConsumptionProbe> take(String name, long capacity, long perMinute, long n) {
        return bucket(name, capacity, perMinute).tryConsumeAndReturnRemaining(n);
    }

    /**
     * Gives {@code n} back (a refund, never above the capacity) or takes {@code n} into debt (a real
     * count above the reservation), without waiting. One lost in an outage is dropped: a refund lost
     * is stricter, a debt lost lets at most that request's overshoot through.
     */
    void give(String name, long capacity, long perMinute, long n, boolean refund) {
        if (n <= 0 || !state.shared()) {
            return; // while Redis does not answer, its buckets refill by themselves meanwhile
        }
        AsyncBucketProxy b = bucket(name, capacity, perMinute);
        CompletableFuture<?> sent = refund ? b.addTokens(n) : b.consumeIgnoringRateLimits(n);
        sent.whenComplete((r, e) -> {
            if (e != null) {
                state.failed(SharedState.runtime(e));
            }
        });
    }

    /** Redis expires idle buckets itself; the proxies in use start again. */
    void evictFull() {
        inUse.clear();
    }
}
