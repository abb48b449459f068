package dev.corral.admission;

import dev.corral.access.Principal;
import dev.corral.config.Settings;
import dev.corral.refusal.Refusal;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Admits a request against its key's limits: for inference, first what is known in this process
 * (requests in flight here, a token estimate no minute could hold), then one {@link Claim} on the
 * {@link Limiters}: the request rate, then for inference the slot among requests in flight across
 * instances, the token reservation against the tokens per minute, and the daily and monthly
 * budgets. What it takes is on the returned {@link Ticket}; on a refusal everything taken so far is
 * given back. {@link #settle} replaces the reservations by the real count and gives the rest back,
 * once. The upstream's slots are the {@link FairQueue}'s; failed authentication is the
 * {@link AuthFailureLimiter}'s.
 */
public final class AdmissionControl {
    /** A bound beyond any limit a key can have (the CLI caps limits at 1e15): sums cannot overflow. */
    private static final long MAX_BOUND = 1_000_000_000_000_000L;

    /** What {@link #admit} decided: a ticket, or a refusal. */
    public record Decision(Ticket ticket, Refusal refusal) {}

    private volatile Settings.Admission cfg;
    private final Limiters limiters;
    private final InFlight inFlight = new InFlight();
    private final FairQueue queue;
    private final Clock clock;

    public AdmissionControl(Settings.Admission cfg, Buckets buckets, TokenBudgets budgets, Clock clock) {
        this(cfg, new LocalLimits(buckets, budgets, KeySlots.NONE), clock);
    }

    public AdmissionControl(Settings.Admission cfg, Limiters limiters, Clock clock) {
        this.cfg = cfg;
        this.limiters = limiters;
        this.clock = clock;
        this.queue = new FairQueue(cfg.queue().upstreamConcurrency(), cfg.queue().size(), cfg.queue().perKey());
    }

    /**
     * A reloaded configuration: new admissions use these limits and queue sizes; what requests in
     * progress hold is given back as it was taken.
     */
    public void reconfigure(Settings.Admission next) {
        cfg = next;
        queue.resize(next.queue().upstreamConcurrency(), next.queue().size(), next.queue().perKey());
    }

    public FairQueue queue() {
        return queue;
    }

    public Duration queueTimeout() {
        return cfg.queue().timeout();
    }

    /** Null while limits are kept as configured; else what is not (shared limits unreachable), for /healthz. */
    public String limitsDegraded() {
        return limiters.degraded();
    }

    public EffectiveLimits limits(Principal p) {
        return EffectiveLimits.of(p.limits(), cfg.keyDefaults());
    }

    /** Requests in flight for a key now (tests check it returns to zero on every path). */
    public int inFlight(String keyId) {
        return inFlight.of(keyId);
    }

    /**
     * Requests in flight per key now, for every key with an in-flight limit that sent an inference
     * request since start (keys without one are not counted anywhere).
     */
    public java.util.Map<String, Integer> inFlightByKey() {
        return inFlight.snapshot();
    }

    /**
     * The decision, at once where the limits are in memory, else when they answer; never blocks.
     *
     * @param inference   the route runs a model (only those take slots, tokens and budgets)
     * @param completes   the route produces completion tokens (embeddings do not)
     * @param maxTokens   the request's completion bound, -1 for none
     * @param bodyBytes   the request body's size, for the prompt estimate (bytes / 4)
     * @throws java.util.concurrent.RejectedExecutionException when too many admissions wait for the network already
     */
    public CompletableFuture<Decision> admitLater(Principal p, boolean inference, boolean completes, long maxTokens, long bodyBytes) {
        EffectiveLimits l = limits(p);
        Ticket t = new Ticket(p.keyId(), l);
        long need = 0;
        int concurrency = 0;
        if (inference) {
            if (l.concurrency() > 0) {
                if (!inFlight.tryTake(t.keyId, l.concurrency())) {
                    return CompletableFuture.completedFuture(refused(t, Denials.concurrency(l.concurrency())));
                }
                t.inFlight = true;
                concurrency = l.concurrency(); // the other instances' requests count too, where limits are shared
            }
            t.promptEstimate = Math.max(1, bodyBytes / 4);
            t.completionReserve = !completes ? 0 : maxTokens >= 0 ? Math.min(maxTokens, MAX_BOUND) : cfg.defaultMaxTokens();
            need = t.promptEstimate + t.completionReserve;
            if (l.tpm() > 0 && need > l.tpm()) {
                return CompletableFuture.completedFuture(refused(t, Denials.neverFits(need, l.tpm())));
            }
        }
        Claim c = new Claim(t.keyId, l.rpm(), l.burst() > 0 ? l.burst() : l.rpm(), concurrency, inference ? l.tpm() : 0, need,
                inference ? l.daily() : 0, inference ? l.monthly() : 0, clock.instant());
        if (limiters.busy()) {
            settle(t, 0);
            throw new java.util.concurrent.RejectedExecutionException("too many admissions waiting for the shared limits");
        }
        CompletableFuture<Claim> taken;
        try {
            taken = limiters.take(c);
        } catch (LimitsUnavailable e) {
            return CompletableFuture.completedFuture(refused(t, Denials.unavailable(e.getMessage())));
        }
        if (taken.isDone() && !taken.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(decide(t, l, taken.join()));
        }
        return taken.handle((claim, e) -> {
            if (e == null) {
                return decide(t, l, claim);
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof LimitsUnavailable u) {
                return refused(t, Denials.unavailable(u.getMessage()));
            }
            settle(t, 0);
            throw cause instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(cause);
        });
    }

    /** {@link #admitLater}, waiting for the decision (tests, and callers off the event loop). */
    public Decision admit(Principal p, boolean inference, boolean completes, long maxTokens, long bodyBytes) {
        try {
            return admitLater(p, inference, completes, maxTokens, bodyBytes).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** What a claim's outcome means for the request: its ticket holds the claim, or the refusal says which limit. */
    private Decision decide(Ticket t, EffectiveLimits l, Claim c) {
        if (c.refused == null) {
            t.claim = c;
            return new Decision(t, null);
        }
        return refused(t, switch (c.refused) {
            case RATE -> Denials.rate("rate_limit_rpm", "rate limit: this key may send " + l.rpm() + " requests per minute",
                    c.waitNanos, "rpm", c.rpmCapacity, 60, 0);
            case CONCURRENCY -> Denials.concurrency(l.concurrency());
            case TOKENS -> Denials.rate("rate_limit_tpm", "token rate limit: this request may use up to " + c.tokens
                    + " tokens and the key has " + Math.max(0, c.tokensLeft) + " of its " + l.tpm() + " tokens per minute left",
                    c.waitNanos, "tpm", l.tpm(), 60, c.tokensLeft);
            case BUDGET -> Denials.budget(c.exceeded, c.tokens, clock.instant());
        });
    }

    private Decision refused(Ticket t, Refusal r) {
        settle(t, 0);
        return new Decision(null, r);
    }

    /**
     * Gives back what {@code t} holds and replaces its token reservation by {@code actual}. Only
     * the first call counts (the disconnect path may race the completion path).
     */
    public void settle(Ticket t, long actual) {
        if (!t.released.compareAndSet(false, true)) {
            return;
        }
        FairQueue.Permit p = t.permit();
        if (p != null) {
            p.release();
        }
        if (t.inFlight) {
            inFlight.release(t.keyId);
        }
        Claim c = t.claim;
        if (c != null) {
            limiters.settle(c, actual);
        }
    }

    /** Tokens used and reserved today by a key with a daily budget (0 without one). */
    public long usedToday(String keyId) {
        return limiters.usedToday(keyId, clock.instant());
    }

    /** Forgets idle buckets and past budget periods. */
    public void housekeeping() {
        limiters.housekeeping(clock.instant());
    }
}
