package dev.corral.shared;

import dev.corral.admission.Claim;
import dev.corral.admission.TokenBudgets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * This instance's {@link Stock}s, one per busy key: a key whose limits are large next to one
 * request takes ahead from Redis, in one call, what its next requests will need, and those requests
 * are admitted here without a round trip. How much is taken ahead grows while requests keep coming
 * (up to {@link #MAX_CHUNK} requests' worth) and is bounded so that the instances together hold no
 * more than a sixty-fourth of any limit ahead of use: a key is taken ahead for only when each of its
 * limits holds at least 128 of its requests per live instance, so a key with small limits (a few
 * requests in flight, tokens per minute or a budget that fit a few dozen requests) sends every request
 * to Redis as before. What a stock holds counts against the limits at once, so the instances never
 * admit more than the limits allow; near a limit, another instance's request may be refused while a
 * stock still holds at most that sixty-fourth. A stock unused for a second, or under a lease, limits or
 * period no longer current, gives back what it holds.
 */
final class Stocks implements AutoCloseable {
    /** The most requests' worth one refill takes. */
    static final int MAX_CHUNK = 256;
    /** Of each limit, the share the instances together may hold ahead of use is 1/HEADROOM. */
    private static final int HEADROOM = 64;
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Tokens used by requests served from a stock are counted as used in Redis at most this often
     * (and by the sweep, every {@link #SWEEP_MILLIS}): under load one give-back call carries many
     * requests' counts. Until then they are held there; an instance killed meanwhile leaves them
     * reaped with its lease, uncounted in Redis's budget (the store has them).
     */
    private static final long USED_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long SWEEP_MILLIS = 100;

    /** What a claim served from a stock holds: the stock it goes back to, and the tokens it took. */
    record Served(Stock stock, long reserved) {}

    private final InstanceLease lease;
    private final SharedState state;
    private final RedisBuckets buckets;
    /** Queues a give-back (a {@link ClaimScripts.Give}, or a stock whose used tokens are to be counted). */
    private final Consumer<Object> gives;
    /** Adjusts this instance's count of the key's slots it holds (the local share while Redis is down). */
    private final java.util.function.BiConsumer<String, Integer> mine;
    private final Map<String, Stock> byKey = new ConcurrentHashMap<>();
    /** A claim waiting for its key's refill. */
    private record Waiter(Claim c, CompletableFuture<Claim> out) {}

    /** Keys with a refill on its way, and the claims that wait for it. */
    private final Map<String, List<Waiter>> refilling = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;

    Stocks(InstanceLease lease, SharedState state, RedisBuckets buckets, Consumer<Object> gives,
           java.util.function.BiConsumer<String, Integer> mine) {
        this.lease = lease;
        this.state = state;
        this.buckets = buckets;
        this.gives = gives;
        this.mine = mine;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "corral-shared-stock");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Admits {@code c} from its key's stock if all it needs is there. */
    boolean serve(Claim c) {
        Stock s = byKey.get(c.keyId());
        if (s == null || !s.fits(c, lease.id(), Keys.epochDay(c.now())) || !s.serve(c, System.nanoTime())) {
            return false;
        }
        c.holder(new Served(s, c.tokens()));
        return true;
    }

    /**
     * Takes {@code c} (not served from its stock) through Redis with {@code viaRedis}: where its key's
     * limits allow, as a refill of the key's stock, k requests' worth of what it lacks (k grows while
     * the stock runs dry quickly), and {@code c} from it; a claim that finds a refill on its way waits
     * for it. Where that does not fit, {@code c} goes alone. {@code giveBack} returns a claim that was
     * taken in this process while Redis failed.
     */
    void take(Claim c, CompletableFuture<Claim> out, BiConsumer<Claim, CompletableFuture<Claim>> viaRedis,
              Consumer<Claim> giveBack) {
        int max = maxChunk(c);
        if (max < 2) {
            viaRedis.accept(c, out);
            return;
        }
        Waiter waiter = new Waiter(c, out);
        while (true) {
            if (refilling.computeIfPresent(c.keyId(), (k, waiters) -> {
                waiters.add(waiter);
                return waiters;
            }) != null) {
                return; // served (or sent alone) when the refill on its way comes back
            }
            if (refilling.putIfAbsent(c.keyId(), new ArrayList<>()) == null) {
                break;
            }
        }
        if (serve(c)) { // a refill came back between the caller's look and this one
            finishRefill(c.keyId(), w -> take(w.c, w.out, viaRedis, giveBack));
            out.complete(c);
            return;
        }
        long day = Keys.epochDay(c.now());
        Stock s = byKey.get(c.keyId());
        long now = System.nanoTime();
        if (s == null || s.retired() || !s.fits(c, lease.id(), day)) {
            s = new Stock(c, lease.id(), day, now);
        }
        Stock into = s;
        Claim big = into.refill(c, into.nextChunk(max, now));
        CompletableFuture<Claim> bigOut = new CompletableFuture<>();
        viaRedis.accept(big, bigOut);
        bigOut.whenComplete((b, e) -> {
            boolean ok = e == null && b.refused() == null && !(b.holder() instanceof Claim) // taken in Redis
                    && stocked(c, b, into);
            if (!ok && e == null && b.refused() == null && b.holder() instanceof Claim) {
                giveBack.accept(b);
            }
            // Those that waited: served from the stock, else a refill of their own, or alone where this one failed.
            finishRefill(c.keyId(), ok ? w -> take(w.c, w.out, viaRedis, giveBack) : w -> viaRedis.accept(w.c, w.out));
            if (ok) {
                out.complete(c);
            } else {
                viaRedis.accept(c, out);
            }
        });
    }

    /** The refill of {@code keyId} is back: the claims that waited for it are served from the stock, or go to {@code rest}. */
    private void finishRefill(String keyId, Consumer<Waiter> rest) {
        List<Waiter> waiters = refilling.remove(keyId);
        if (waiters == null) {
            return;
        }
        for (Waiter w : waiters) {
            if (serve(w.c)) {
                w.out.complete(w.c);
            } else {
                rest.accept(w);
            }
        }
    }

    /**
     * The give-backs of one call: each {@link ClaimScripts.Give} as it is, each stock's used tokens as
     * they are now (a stock queued twice is counted once: the second finds nothing).
     */
    static List<ClaimScripts.Give> gives(List<Object> items) {
        List<ClaimScripts.Give> batch = new ArrayList<>(items.size());
        for (Object item : items) {
            ClaimScripts.Give g = item instanceof Stock s ? s.takeUsed() : (ClaimScripts.Give) item;
            if (g != null) {
                batch.add(g);
            }
        }
        return batch;
    }

    /**
     * {@code big}, {@code into}'s refill for {@code c}, was taken in Redis: the stock keeps it (the
     * holdings {@code big} carried are the stock's from now on) and {@code c} is served from it; false
     * when other requests took what {@code c} needed meanwhile ({@code c} then goes to Redis alone).
     */
    private boolean stocked(Claim c, Claim big, Stock into) {
        long now = System.nanoTime();
        if (into.retired()) { // given back by the sweep meanwhile: a fresh one keeps what came
            into = new Stock(c, into.lease, Keys.epochDay(c.now()), now);
        }
        Stock current = byKey.get(c.keyId());
        if (current != into) {
            if (current != null) {
                byKey.remove(c.keyId(), current);
                giveBack(current);
            }
            byKey.put(c.keyId(), into);
        }
        if (big.slot() != null) {
            big.slot(null); // the stock holds big's slots now; this instance's count of them stays
            mine.accept(c.keyId(), big.slotUnits() - 1);
        }
        big.holder(null);
        big.budget(null);
        big.tpmHeld(false);
        into.add(big, now);
        if (!into.serve(c, now)) {
            return false;
        }
        c.holder(new Served(into, c.tokens()));
        return true;
    }

    /**
     * A claim served from a stock ended: what it held goes back to the stock, and from a stock no
     * longer in use (retired: not swept any more) on to Redis at once.
     */
    void back(Served s, long actual) {
        Stock st = s.stock();
        boolean queue = st.back(s.reserved(), actual, System.nanoTime(), USED_EVERY_NANOS);
        if (st.retired()) {
            giveBack(st);
        } else if (queue) {
            gives.accept(st); // counted as used with the next give-backs
        }
    }

    /**
     * Gives back the stocks unused for a second, and those of a lease, limits or period no longer
     * current; counts the used tokens of the others.
     */
    void sweep() {
        long now = System.nanoTime();
        String id = lease.id();
        for (Stock s : byKey.values()) {
            if (!state.shared() || !s.lease.equals(id) || now - s.lastUse() > IDLE_NANOS) {
                byKey.remove(s.keyId, s);
                giveBack(s);
            } else if (s.flushUsed(now, 0)) {
                gives.accept(s);
            }
        }
    }

    /** Retires {@code s} and gives back what it holds; its requests in flight come back to it and are counted when they end. */
    private void giveBack(Stock s) {
        s.retire();
        Stock.Holdings h = s.empty();
        if (h.rate() > 0) {
            buckets.give(Claim.rateBucket(s.keyId), s.rpmCapacity, s.rpm, h.rate(), true);
        }
        if (h.tokens() != 0) {
            buckets.give(Claim.tokenBucket(s.keyId), s.tpm, s.tpm, Math.abs(h.tokens()), h.tokens() > 0);
        }
        if (h.slots() > 0 || h.budget() > 0) {
            if (h.slots() > 0) {
                mine.accept(s.keyId, -h.slots());
            }
            gives.accept(new ClaimScripts.Give(s.lease, s.keyId, h.slots(), h.budget() > 0
                    ? new TokenBudgets.Reservation(s.keyId, s.day, s.month, h.budget()) : null, 0));
        }
        gives.accept(s); // its used tokens, if any
    }

    /** Every stock given back (at close, before the lease ends, which would reap them uncounted). */
    @Override
    public void close() {
        sweeper.shutdownNow();
        for (Stock s : byKey.values()) {
            byKey.remove(s.keyId, s);
            giveBack(s);
        }
    }

    /** {@link #close}, then waits up to 2 s for {@code sent}, the give-backs' batcher, to have sent them all. */
    void close(Batcher<?> sent) throws InterruptedException {
        close();
        sent.awaitIdle(2000);
    }

    /**
     * The most requests' worth of {@code c} to take ahead: for each of its limits, the requests that
     * fit in that limit's share of the headroom (a sixty-fourth, split among the live instances);
     * below 2, none is taken ahead.
     */
    int maxChunk(Claim c) {
        long share = (long) HEADROOM * state.liveInstances();
        long max = MAX_CHUNK;
        if (c.rpm() > 0) {
            max = Math.min(max, c.rpmCapacity() / share);
        }
        if (c.concurrency() > 0) {
            max = Math.min(max, c.concurrency() / share);
        }
        long need = Math.max(1, c.tokens());
        if (c.tpm() > 0) {
            max = Math.min(max, c.tpm() / share / need);
        }
        if (c.daily() > 0) {
            max = Math.min(max, c.daily() / share / need);
        }
        if (c.monthly() > 0) {
            max = Math.min(max, c.monthly() / share / need);
        }
        return (int) max;
    }

    /** Stocks now (tests). */
    int size() {
        return byKey.size();
    }
}
