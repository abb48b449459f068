package dev.corral.admission;

import dev.corral.access.Principal;
import dev.corral.config.Settings;
import dev.corral.refusal.Refusal;
import java.time.Clock;
import java.time.Duration;

/**
 * Admits a request against its key's limits, in order: request rate, then (for inference)
 * requests in flight, the token reservation against the tokens per minute, and the daily and
 * monthly budgets. What it takes is on the returned {@link Ticket}; on a refusal everything taken
 * so far is given back. {@link #settle} replaces the reservation by the real count and gives the
 * rest back, once. The upstream's slots are the {@link FairQueue}'s; failed authentication is the
 * {@link AuthFailureLimiter}'s.
 */
public final class AdmissionControl {
    /** A bound beyond any limit a key can have (the CLI caps limits at 1e15): sums cannot overflow. */
    private static final long MAX_BOUND = 1_000_000_000_000_000L;

    /** What {@link #admit} decided: a ticket, or a refusal. */
    public record Decision(Ticket ticket, Refusal refusal) {}

    private volatile Settings.Admission cfg;
    private final RateLimits rates;
    private final TokenBudgets budgets;
    private final Limiters limiters;
    private final InFlight inFlight = new InFlight();
    private final FairQueue queue;
    private final Clock clock;

    public AdmissionControl(Settings.Admission cfg, Buckets buckets, TokenBudgets budgets, Clock clock) {
        this(cfg, new Limiters(buckets, budgets, KeySlots.NONE, null, () -> null), clock);
    }

    public AdmissionControl(Settings.Admission cfg, Limiters limiters, Clock clock) {
        this.cfg = cfg;
        this.limiters = limiters;
        this.rates = new RateLimits(limiters.buckets());
        this.budgets = limiters.budgets();
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

    /** Where {@link #admit} must run: null on the event loop (limits in memory), else this executor (limits over the network). */
    public java.util.concurrent.Executor offLoop() {
        return limiters.offLoop();
    }

    /** Null while limits are kept as configured; else what is not (shared limits unreachable), for /healthz. */
    public String limitsDegraded() {
        return limiters.degraded().get();
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
     * @param inference   the route runs a model (only those take slots, tokens and budgets)
     * @param completes   the route produces completion tokens (embeddings do not)
     * @param maxTokens   the request's completion bound, -1 for none
     * @param bodyBytes   the request body's size, for the prompt estimate (bytes / 4)
     */
    public Decision admit(Principal p, boolean inference, boolean completes, long maxTokens, long bodyBytes) {
        EffectiveLimits l = limits(p);
        Ticket t = new Ticket(p.keyId(), l);
        try {
            return admit(t, l, inference, completes, maxTokens, bodyBytes);
        } catch (LimitsUnavailable e) {
            return refused(t, Denials.unavailable(e.getMessage()));
        }
    }

    private Decision admit(Ticket t, EffectiveLimits l, boolean inference, boolean completes, long maxTokens, long bodyBytes) {
        if (l.rpm() > 0) {
            long wait = rates.takeRequest(t.keyId, l);
            if (wait > 0) {
                return refused(t, Denials.rate("rate_limit_rpm", "rate limit: this key may send " + l.rpm()
                        + " requests per minute", wait, "rpm", rates.requestCapacity(l), 60, 0));
            }
        }
        if (!inference) {
            return new Decision(t, null);
        }
        if (l.concurrency() > 0) {
            if (!inFlight.tryTake(t.keyId, l.concurrency())) {
                return refused(t, Denials.concurrency(l.concurrency()));
            }
            t.inFlight = true;
            t.slot = limiters.slots().take(t.keyId, l.concurrency()); // the other instances' requests count too
            if (t.slot == null) {
                return refused(t, Denials.concurrency(l.concurrency()));
            }
        }
        t.promptEstimate = Math.max(1, bodyBytes / 4);
        t.completionReserve = !completes ? 0 : maxTokens >= 0 ? Math.min(maxTokens, MAX_BOUND) : cfg.defaultMaxTokens();
        long need = t.promptEstimate + t.completionReserve;
        if (l.tpm() > 0) {
            if (need > l.tpm()) {
                return refused(t, Denials.neverFits(need, l.tpm()));
            }
            long wait = rates.reserveTokens(t.keyId, l, need);
            if (wait > 0) {
                long left = rates.tokensLeft(t.keyId, l);
                return refused(t, Denials.rate("rate_limit_tpm", "token rate limit: this request may use up to " + need
                        + " tokens and the key has " + Math.max(0, left) + " of its " + l.tpm() + " tokens per minute left",
                        wait, "tpm", l.tpm(), 60, left));
            }
            t.reservedTpm = need;
        }
        if (l.daily() > 0 || l.monthly() > 0) {
            TokenBudgets.Exceeded[] why = new TokenBudgets.Exceeded[1];
            TokenBudgets.Reservation r = budgets.reserve(t.keyId, l.daily(), l.monthly(), need, clock.instant(), why);
            if (r == null) {
                return refused(t, Denials.budget(why[0], need, clock.instant()));
            }
            t.budget = r;
        }
        return new Decision(t, null);
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
        if (t.slot != null) {
            t.slot.release();
        }
        if (t.reservedTpm > 0) {
            rates.settleTokens(t.keyId, t.limits, t.reservedTpm, actual);
        }
        if (t.budget != null) {
            budgets.settle(t.budget, actual);
        }
    }

    /** Tokens used and reserved today by a key with a daily budget (0 without one). */
    public long usedToday(String keyId) {
        return budgets.usedToday(keyId, clock.instant());
    }

    /** Forgets idle buckets and past budget periods. */
    public void housekeeping() {
        rates.evictFull();
        budgets.evictOld(clock.instant());
    }
}
