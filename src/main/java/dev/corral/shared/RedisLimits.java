package dev.corral.shared;

import dev.corral.admission.Claim;
import dev.corral.admission.KeySlots;
import dev.corral.admission.Limiters;
import dev.corral.admission.LimitsUnavailable;
import dev.corral.admission.LocalBuckets;
import dev.corral.admission.LocalLimits;
import dev.corral.admission.LocalTokenBudgets;
import dev.corral.admission.TokenBudgets;
import dev.corral.store.Store;
import dev.corral.store.StoreException;
import io.lettuce.core.ScriptOutputType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The keys' limits in Redis, shared by every instance, taken without blocking a thread: a claim's
 * request rate and tokens per minute on Bucket4j's buckets, then its slot among requests in flight
 * and its budget reservations in one script (take.lua) that carries every claim arriving meanwhile
 * ({@link Batcher}); what claims hold is given back the same way (give.lua). Every slot and
 * reservation is held under this instance's lease, so a killed instance's come back when it
 * expires. A budget period starts from the tokens the store says were used in it, read once by the
 * first instance to need it (seed.lua, off the caller's thread). While Redis does not answer,
 * claims are taken in this process at this instance's share of each limit (or refused, with
 * limits.on_shared_failure: refuse); what was held in Redis then is given back when the old lease
 * expires (this instance comes back under a new one). A busy key whose limits are large next to one
 * request is taken ahead for ({@link Stocks}): most of its requests then need no call at all.
 */
final class RedisLimits implements Limiters {
    /** The most claims one script call carries. */
    private static final int MAX_BATCH = 128;
    /** Claims waiting for Redis before new ones are refused (503): a Redis that slows down must not pile up requests. */
    private static final int MAX_WAITING = 4096;
    private static final int SEED_ATTEMPTS = 3;

    private record Take(Claim claim, CompletableFuture<Claim> out, int attempt) {}

    /** What a claim holds in Redis: the lease it was taken under, and whether a slot. */
    private record Remote(String lease, boolean slot) {}

    private final RedisLink redis;
    private final InstanceLease lease;
    private final SharedState state;
    private final Store store;
    private final Executor blocking;
    private final RedisBuckets buckets;
    private final LocalLimits local;
    /** Slots this instance holds per key, Redis's and local ones alike (the local share counts both). */
    private final Map<String, AtomicInteger> mine = new ConcurrentHashMap<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final Batcher<Take> takes = new Batcher<>(MAX_BATCH, this::sendTakes);
    /** Give-backs: {@link ClaimScripts.Give}s, and stocks whose used tokens are to be counted when the call goes. */
    private final Batcher<Object> gives = new Batcher<>(MAX_BATCH, this::sendGives);
    private final Stocks stocks;

    /** @param blocking where the store is read to seed a budget period */
    RedisLimits(RedisLink redis, InstanceLease lease, SharedState state, Store store, RedisBuckets buckets, Executor blocking) {
        this.redis = redis;
        this.lease = lease;
        this.state = state;
        this.store = store;
        this.buckets = buckets;
        this.blocking = blocking;
        this.local = new LocalLimits(new LocalBuckets(), new LocalTokenBudgets(store), this::takeLocalSlot);
        this.stocks = new Stocks(lease, state, buckets, gives::add, (key, n) -> mine(key).addAndGet(n));
    }

    /** Gives back what this instance took ahead of its requests and waits (a little) for it to reach Redis. */
    void closeStocks() throws InterruptedException {
        stocks.close(gives);
    }

    /** What this instance took ahead of its requests (tests). */
    Stocks stocks() {
        return stocks;
    }

    @Override
    public CompletableFuture<Claim> take(Claim c) {
        if (!state.shared()) {
            return CompletableFuture.completedFuture(takeLocally(c));
        }
        if (c.rpm() <= 0 && c.tpm() <= 0 && c.concurrency() <= 0 && !c.budgets()) {
            return CompletableFuture.completedFuture(c);
        }
        if (stocks.serve(c)) {
            return CompletableFuture.completedFuture(c); // taken ahead for it: no call to Redis
        }
        CompletableFuture<Claim> out = new CompletableFuture<>();
        waiting.incrementAndGet();
        out.whenComplete((r, e) -> waiting.decrementAndGet());
        stocks.take(c, out, this::rate, taken -> settle(taken, 0));
        return out;
    }

    @Override
    public boolean busy() {
        return waiting.get() >= MAX_WAITING;
    }

    private void rate(Claim c, CompletableFuture<Claim> out) {
        if (c.rpm() <= 0 || c.rateUnits() <= 0) {
            tokens(c, out);
            return;
        }
        buckets.take(c.rateBucket(), c.rpmCapacity(), c.rpm(), c.rateUnits()).whenComplete((p, e) -> {
            if (e != null) {
                fallBack(c, out, e);
            } else if (!p.isConsumed()) {
                out.complete(c.refuse(Claim.Refused.RATE, Math.max(1, p.getNanosToWaitForRefill())));
            } else {
                tokens(c, out);
            }
        });
    }

    private void tokens(Claim c, CompletableFuture<Claim> out) {
        if (c.tpm() <= 0 || c.tokens() <= 0) {
            slotsAndBudgets(new Take(c, out, 0));
            return;
        }
        buckets.take(c.tokenBucket(), c.tpm(), c.tpm(), c.tokens()).whenComplete((p, e) -> {
            if (e != null) {
                fallBack(c, out, e);
            } else if (!p.isConsumed()) {
                out.complete(c.refuseTokens(Math.max(1, p.getNanosToWaitForRefill()), p.getRemainingTokens()));
            } else {
                c.tpmHeld(true);
                slotsAndBudgets(new Take(c, out, 0));
            }
        });
    }

    private void slotsAndBudgets(Take t) {
        Claim c = t.claim();
        if ((c.concurrency() <= 0 || c.slotUnits() <= 0) && (!c.budgets() || c.budgetTokens() <= 0)) {
            t.out().complete(t.claim());
        } else {
            takes.add(t);
        }
    }

    private CompletionStage<?> sendTakes(List<Take> batch) {
        String id = lease.id();
        String[][] call = ClaimScripts.take(id, lease.leaseMillis(), batch.stream().map(Take::claim).toList());
        return redis.<List<Long>>runLater("take", ScriptOutputType.MULTI, call[0], call[1]).whenComplete((r, e) -> {
            for (int i = 0; i < batch.size(); i++) {
                Take t = batch.get(i);
                try {
                    if (e != null) {
                        fallBack(t.claim(), t.out(), e);
                    } else {
                        taken(t, id, r.get(2 * i), r.get(2 * i + 1));
                    }
                } catch (RuntimeException failure) {
                    t.out().completeExceptionally(failure);
                }
            }
        });
    }

    /** One claim's answer from take.lua. */
    private void taken(Take t, String id, long code, long value) {
        Claim c = t.claim();
        long day = Keys.epochDay(c.now());
        if (code == 0) {
            boolean slot = c.concurrency() > 0 && c.slotUnits() > 0;
            if (slot) {
                AtomicInteger n = mine(c.keyId());
                n.incrementAndGet();
                c.slot(n::decrementAndGet);
            }
            if (c.budgets() && c.budgetTokens() > 0) {
                c.budget(new TokenBudgets.Reservation(c.keyId(), c.daily() > 0 ? day : TokenBudgets.NONE,
                        c.monthly() > 0 ? Keys.monthIndex(day) : TokenBudgets.NONE, c.budgetTokens()));
            }
            c.holder(new Remote(id, slot));
            t.out().complete(c);
            return;
        }
        if (code == -1) {
            seedThenRetry(t, value == 1, day);
            return;
        }
        settle(c, 0); // the tokens per minute it took
        if (code == 3) {
            t.out().complete(c.refuse(Claim.Refused.CONCURRENCY, 0));
        } else {
            t.out().complete(c.refuseBudget(code == 1
                    ? new TokenBudgets.Exceeded("daily", c.daily(), value, Instant.ofEpochMilli(Keys.dayEndMillis(day)))
                    : new TokenBudgets.Exceeded("monthly", c.monthly(), value, Instant.ofEpochMilli(Keys.monthEndMillis(day)))));
        }
    }

    /** A budget period Redis does not have yet: read from the store (off this thread), then the claim goes again. */
    private void seedThenRetry(Take t, boolean isDay, long day) {
        Claim c = t.claim();
        if (t.attempt() + 1 >= SEED_ATTEMPTS) {
            settle(c, 0);
            t.out().completeExceptionally(new IllegalStateException("budget period of key " + c.keyId()
                    + " still not seeded after " + SEED_ATTEMPTS + " attempts"));
            return;
        }
        try {
            blocking.execute(() -> {
                try {
                    Keys.seed(redis, store, c.keyId(), isDay, day);
                } catch (StoreException e) { // the store failed, not Redis: the request fails closed, limits stay shared
                    settle(c, 0);
                    t.out().completeExceptionally(e);
                    return;
                } catch (RuntimeException e) {
                    fallBack(c, t.out(), e);
                    return;
                }
                slotsAndBudgets(new Take(c, t.out(), t.attempt() + 1));
            });
        } catch (RejectedExecutionException e) { // shutting down
            settle(c, 0);
            t.out().completeExceptionally(e);
        }
    }

    /** A Redis call failed: degrade, and take the claim in this process at this instance's share (or refuse). */
    private void fallBack(Claim c, CompletableFuture<Claim> out, Throwable e) {
        state.failed(SharedState.runtime(e));
        c.tpmHeld(false); // taken in Redis, if at all, before the failure: lost, which is stricter
        try {
            out.complete(takeLocally(c));
        } catch (RuntimeException refused) {
            out.completeExceptionally(refused);
        }
    }

    /** While degraded: throws {@link LimitsUnavailable} when the operator chose refuse; else this instance's share, in memory. */
    private Claim takeLocally(Claim c) {
        state.localOrRefuse();
        return c.adopt(local.takeNow(c.scaled(state::share)));
    }

    private KeySlots.Held takeLocalSlot(String keyId, int limit) {
        AtomicInteger n = mine(keyId);
        if (n.incrementAndGet() > limit) {
            n.decrementAndGet();
            return null;
        }
        return n::decrementAndGet;
    }

    private AtomicInteger mine(String keyId) {
        AtomicInteger n = mine.get(keyId);
        return n != null ? n : mine.computeIfAbsent(keyId, k -> new AtomicInteger());
    }

    @Override
    public void settle(Claim c, long actual) {
        Object holder = c.holder();
        c.holder(null);
        if (holder instanceof Stocks.Served served) { // back to the stock it was served from
            stocks.back(served, actual);
            return;
        }
        if (holder instanceof Claim taken) { // taken in this process while degraded
            local.settle(taken, actual);
            return;
        }
        KeySlots.Held slot = c.slot();
        c.slot(null);
        if (slot != null) {
            slot.release(); // this instance's count; Redis's below
        }
        if (c.tpmHeld()) {
            c.tpmHeld(false);
            boolean refund = actual < c.tokens();
            buckets.give(c.tokenBucket(), c.tpm(), c.tpm(), refund ? c.tokens() - actual : actual - c.tokens(), refund);
        }
        TokenBudgets.Reservation budget = c.budget();
        c.budget(null);
        if (holder instanceof Remote r && (r.slot() || budget != null)) {
            gives.add(new ClaimScripts.Give(r.lease(), c.keyId(), r.slot() ? 1 : 0, budget, actual));
        }
    }

    private CompletionStage<?> sendGives(List<Object> items) {
        if (!state.shared()) { // held under a lease that is replaced when Redis answers again; the store has the usage
            return CompletableFuture.completedFuture(null);
        }
        List<ClaimScripts.Give> batch = Stocks.gives(items);
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        String[][] call = ClaimScripts.give(batch);
        return redis.runLater("give", ScriptOutputType.INTEGER, call[0], call[1]).whenComplete((r, e) -> {
            if (e != null) {
                state.failed(SharedState.runtime(e));
            }
        });
    }

    /** Whether every give-back so far has been sent and answered (tests read Redis after it). */
    boolean settled() {
        return gives.idle();
    }

    @Override
    public long usedToday(String keyId, Instant now) {
        if (state.shared()) {
            try {
                List<String> v = redis.commands().hmget(Keys.day(keyId, Keys.epochDay(now)), "used", "held").stream()
                        .map(kv -> kv.getValueOrElse("0")).toList();
                return Long.parseLong(v.get(0)) + Long.parseLong(v.get(1));
            } catch (RuntimeException e) {
                state.failed(e);
            }
        }
        return local.usedToday(keyId, now);
    }

    /** Redis expires idle buckets and past periods itself; the local ones (an outage's) are forgotten here. */
    @Override
    public void housekeeping(Instant now) {
        buckets.evictFull();
        local.housekeeping(now);
    }

    @Override
    public String degraded() {
        return state.degraded();
    }
}
