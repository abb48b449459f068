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

    /** Every key's count now (a copy): keys seen since start, also those back at zero. */
    Map<String, Integer> snapshot() {
        Map<String, Integer> out = new java.util.HashMap<>(counts.size() * 2);
        counts.forEach((k, n) -> out.put(k, n.get()));
        return out;
    }

    int of(String keyId) {
        AtomicInteger n = counts.get(keyId);
        return n == null ? 0 : n.get();
    }
}
