package dev.corral.admission;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Buckets in this process, exact under concurrency (Bucket4j's lock-free buckets). */
public final class LocalBuckets implements Buckets {
    private record Entry(Bucket bucket, long capacity) {}

    /**
     * The limits are part of the identity: a key whose limits change starts a fresh bucket. Written
     * out rather than a record: a record's equals and hashCode go through method handles, which the
     * quick compiler the launcher uses does not inline, and this key is looked up for every request.
     */
    private static final class Id {
        final String name;
        final long capacity;
        final long perMinute;

        Id(String name, long capacity, long perMinute) {
            this.name = name;
            this.capacity = capacity;
            this.perMinute = perMinute;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Id i && i.capacity == capacity && i.perMinute == perMinute && i.name.equals(name);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * name.hashCode() + Long.hashCode(capacity)) + Long.hashCode(perMinute);
        }
    }

    /** Bucket4j refills at most one token per nanosecond; any rate above that is as good as unlimited. */
    static final long MAX_PER_MINUTE = 60_000_000_000L;

    private final Map<Id, Entry> buckets = new ConcurrentHashMap<>();

    private Bucket bucket(String name, long capacity, long requestedPerMinute) {
        long perMinute = Math.min(requestedPerMinute, MAX_PER_MINUTE);
        Id id = new Id(name, capacity, perMinute);
        Entry e = buckets.get(id); // the common case, without computeIfAbsent's lock on a hit
        if (e != null) {
            return e.bucket();
        }
        return buckets.computeIfAbsent(id, k -> new Entry(Bucket.builder()
                .addLimit(limit -> limit.capacity(capacity).refillGreedy(perMinute, Duration.ofMinutes(1)))
                .build(), capacity)).bucket();
    }

    @Override
    public long take(String name, long capacity, long perMinute, long n) {
        ConsumptionProbe p = bucket(name, capacity, perMinute).tryConsumeAndReturnRemaining(n);
        return p.isConsumed() ? 0 : Math.max(1, p.getNanosToWaitForRefill());
    }

    @Override
    public void force(String name, long capacity, long perMinute, long n) {
        if (n > 0) {
            bucket(name, capacity, perMinute).consumeIgnoringRateLimits(n);
        }
    }

    @Override
    public void refund(String name, long capacity, long perMinute, long n) {
        if (n > 0) {
            bucket(name, capacity, perMinute).addTokens(n);
        }
    }

    @Override
    public long available(String name, long capacity, long perMinute) {
        return bucket(name, capacity, perMinute).getAvailableTokens();
    }

    @Override
    public void evictFull() {
        buckets.entrySet().removeIf(e -> e.getValue().bucket().getAvailableTokens() >= e.getValue().capacity());
    }
}
