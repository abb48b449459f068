package dev.corral.admission;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Requests in flight per key, against each key's concurrency limit. */
final class InFlight {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    /** Takes one if the key is under {@code limit}; false (and nothing taken) otherwise. */
    boolean tryTake(String keyId, int limit) {
        AtomicInteger n = counts.computeIfAbsent(keyId, k -> new AtomicInteger());
        if (n.incrementAndGet() > limit) {
            n.decrementAndGet();
            return false;
        }
        return true;
    }

    void release(String keyId) {
        counts.get(keyId).decrementAndGet();
    }

    int of(String keyId) {
        AtomicInteger n = counts.get(keyId);
        return n == null ? 0 : n.get();
    }
}
