package dev.corral.admission;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The upstream's slots, shared fairly across keys. While a slot is free and nobody waits, a request
 * takes one at once. Otherwise it waits in a weighted fair queue (start-time fair queuing): each
 * waiter gets the tag max(virtual time, its key's last tag) + 1/weight and the smallest tag goes
 * next, so a key flooding 100 requests does not hold back another key's one request, and a key of
 * weight 2 gets twice the turns of a key of weight 1. The queue is bounded overall and per key.
 */
public final class FairQueue {

    /** A slot held; {@link #release} is idempotent, so racing paths may both call it. */
    public final class Permit {
        private final AtomicBoolean released = new AtomicBoolean();

        public void release() {
            if (released.compareAndSet(false, true)) {
                FairQueue.this.released();
            }
        }
    }

    /** A request waiting for a slot. */
    public final class Waiter {
        private static final int WAITING = 0;
        private static final int GRANTED = 1;
        private static final int CANCELLED = 2;

        final String key;
        final double tag;
        final long seq;
        final Executor executor;
        final Consumer<Permit> onGrant;
        final AtomicInteger state = new AtomicInteger(WAITING);

        Waiter(String key, double tag, long seq, Executor executor, Consumer<Permit> onGrant) {
            this.key = key;
            this.tag = tag;
            this.seq = seq;
            this.executor = executor;
            this.onGrant = onGrant;
        }

        /** Leaves the queue. True when it left; false when a slot was already granted (the grant callback then owns it). */
        public boolean cancel() {
            if (!state.compareAndSet(WAITING, CANCELLED)) {
                return false;
            }
            synchronized (FairQueue.this) {
                if (waiting.remove(this)) {
                    perKey.merge(key, -1, Integer::sum);
                }
            }
            return true;
        }
    }

    /** What {@link #acquire} did: granted at once, queued, or refused because the queue is full. */
    public record Result(Permit permit, Waiter waiter, String refused) {}

    private int capacity;
    private int maxWaiting;
    private int maxPerKey;
    private final PriorityQueue<Waiter> waiting = new PriorityQueue<>((a, b) ->
            a.tag != b.tag ? Double.compare(a.tag, b.tag) : Long.compare(a.seq, b.seq));
    private final Map<String, Integer> perKey = new HashMap<>();
    private final Map<String, Double> lastTag = new HashMap<>();
    private int inUse;
    private double virtualTime;
    private long seq;

    public FairQueue(int capacity, int maxWaiting, int maxPerKey) {
        this.capacity = capacity;
        this.maxWaiting = maxWaiting;
        this.maxPerKey = maxPerKey;
    }

    /**
     * Takes a slot now, or queues: {@code onGrant} then runs on {@code executor} with the slot.
     * @param weight the key's share (1 or more)
     */
    public synchronized Result acquire(String key, int weight, Executor executor, Consumer<Permit> onGrant) {
        if (inUse < capacity && waiting.isEmpty()) {
            inUse++;
            return new Result(new Permit(), null, null);
        }
        if (waiting.size() >= maxWaiting) {
            return new Result(null, null, "the queue for the upstream is full (" + maxWaiting + " waiting)");
        }
        int mine = perKey.getOrDefault(key, 0);
        if (mine >= maxPerKey) {
            return new Result(null, null, "this key already has " + mine + " requests waiting for the upstream");
        }
        double tag = Math.max(virtualTime, lastTag.getOrDefault(key, 0.0)) + 1.0 / Math.max(1, weight);
        lastTag.put(key, tag);
        Waiter w = new Waiter(key, tag, seq++, executor, onGrant);
        waiting.add(w);
        perKey.put(key, mine + 1);
        return new Result(null, w, null);
    }

    /** A slot now if one is free and nobody waits for one, else null (nothing queued). */
    public synchronized Permit tryAcquire() {
        if (inUse < capacity && waiting.isEmpty()) {
            inUse++;
            return new Permit();
        }
        return null;
    }

    /**
     * New sizes (a reloaded configuration). More slots are granted to waiters at once; fewer take
     * effect as slots are given back. Waiters beyond the new bounds keep their place.
     */
    public void resize(int slots, int waiting, int perKey) {
        synchronized (this) {
            capacity = slots;
            maxWaiting = waiting;
            maxPerKey = perKey;
            inUse++; // granted() below gives this back, granting to waiters while slots are free
        }
        released();
    }

    private void released() {
        List<Waiter> granted = new ArrayList<>();
        synchronized (this) {
            inUse--;
            while (inUse < capacity && !waiting.isEmpty()) {
                Waiter w = waiting.poll();
                perKey.merge(w.key, -1, Integer::sum);
                virtualTime = Math.max(virtualTime, w.tag);
                if (w.state.compareAndSet(Waiter.WAITING, Waiter.GRANTED)) {
                    inUse++;
                    granted.add(w);
                }
            }
            if (waiting.isEmpty()) {
                perKey.clear();
                lastTag.clear(); // nobody waits: history no longer matters
            }
        }
        for (Waiter w : granted) {
            Permit p = new Permit();
            try {
                w.executor.execute(() -> w.onGrant.accept(p));
            } catch (RuntimeException e) {
                p.release(); // the connection's loop is gone: give the slot to the next one
            }
        }
    }

    public synchronized int inUse() {
        return inUse;
    }

    /** Requests waiting now, per key. */
    public synchronized java.util.Map<String, Integer> waitingByKey() {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        perKey.forEach((k, n) -> {
            if (n > 0) {
                out.put(k, n);
            }
        });
        return out;
    }

    public synchronized int waiting() {
        return waiting.size();
    }

    public synchronized int capacity() {
        return capacity;
    }
}
