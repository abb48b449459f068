package dev.corral.shared;

import dev.corral.admission.KeySlots;
import io.lettuce.core.ScriptOutputType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests in flight per key across instances: a counter per key in Redis, each slot also noted in
 * this instance's held hash under its lease (slot_take.lua, slot_release.lua), so a killed
 * instance's slots return when its lease expires. While Redis does not answer, this instance takes
 * slots up to its share of the limit, counting those it still holds from before.
 */
final class RedisKeySlots implements KeySlots {
    private final RedisLink redis;
    private final InstanceLease lease;
    private final SharedState state;
    private final Executor giveBacks;
    /** Slots this instance holds per key, Redis's and local ones alike. */
    private final Map<String, AtomicInteger> mine = new ConcurrentHashMap<>();

    RedisKeySlots(RedisLink redis, InstanceLease lease, SharedState state, Executor giveBacks) {
        this.redis = redis;
        this.lease = lease;
        this.state = state;
        this.giveBacks = giveBacks;
    }

    @Override
    public Held take(String keyId, int limit) {
        AtomicInteger n = mine.computeIfAbsent(keyId, k -> new AtomicInteger());
        if (state.shared()) {
            try {
                String id = lease.id();
                String slots = Keys.slots(keyId);
                Long taken = redis.run("slot_take", ScriptOutputType.INTEGER, new String[] {InstanceLease.INSTANCES,
                        Keys.held(id), slots}, id, String.valueOf(lease.leaseMillis()), String.valueOf(limit));
                if (taken == 0) {
                    return null;
                }
                n.incrementAndGet();
                return () -> {
                    n.decrementAndGet();
                    giveBacks.execute(() -> release(id, slots));
                };
            } catch (RuntimeException e) {
                state.failed(e);
            }
        }
        state.localOrRefuse();
        if (n.incrementAndGet() > state.share(limit)) {
            n.decrementAndGet();
            return null;
        }
        return n::decrementAndGet;
    }

    /** Gives a Redis slot back under the lease it was taken in; a lost one returns when that lease is reaped. */
    private void release(String id, String slots) {
        if (!state.shared()) {
            return; // held under a lease that is replaced when Redis answers again
        }
        try {
            redis.run("slot_release", ScriptOutputType.INTEGER, new String[] {Keys.held(id), slots});
        } catch (RuntimeException e) {
            state.failed(e);
        }
    }
}
