package dev.corral.admission;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Limits checked in memory, at once: the request rate and the tokens per minute on buckets, the
 * slot among requests in flight, then the daily and monthly budgets; a refusal gives back what the
 * claim took before it (a refused request still counts against the request rate, as a request).
 */
public final class LocalLimits implements Limiters {
    private final Buckets buckets;
    private final TokenBudgets budgets;
    private final KeySlots slots;

    public LocalLimits(Buckets buckets, TokenBudgets budgets, KeySlots slots) {
        this.buckets = buckets;
        this.budgets = budgets;
        this.slots = slots;
    }

    @Override
    public CompletableFuture<Claim> take(Claim c) {
        return CompletableFuture.completedFuture(takeNow(c));
    }

    /** Takes {@code c} now and returns it, its outcome filled in. */
    public Claim takeNow(Claim c) {
        if (c.rpm > 0) {
            long wait = buckets.take(c.rateBucket(), c.rpmCapacity, c.rpm, 1);
            if (wait > 0) {
                return c.refuse(Claim.Refused.RATE, wait);
            }
        }
        if (c.concurrency > 0) {
            c.slot = slots.take(c.keyId, c.concurrency);
            if (c.slot == null) {
                return c.refuse(Claim.Refused.CONCURRENCY, 0);
            }
        }
        if (c.tpm > 0) {
            long wait = buckets.take(c.tokenBucket(), c.tpm, c.tpm, c.tokens);
            if (wait > 0) {
                long left = buckets.available(c.tokenBucket(), c.tpm, c.tpm);
                settle(c, 0);
                return c.refuseTokens(wait, left);
            }
            c.tpmHeld = true;
        }
        if (c.budgets()) {
            TokenBudgets.Exceeded[] why = new TokenBudgets.Exceeded[1];
            c.budget = budgets.reserve(c.keyId, c.daily, c.monthly, c.tokens, c.now, why);
            if (c.budget == null) {
                settle(c, 0);
                return c.refuseBudget(why[0]);
            }
        }
        return c;
    }

    @Override
    public void settle(Claim c, long actual) {
        KeySlots.Held s = c.slot;
        c.slot = null;
        if (s != null) {
            s.release();
        }
        if (c.tpmHeld) {
            c.tpmHeld = false;
            if (actual < c.tokens) {
                buckets.refund(c.tokenBucket(), c.tpm, c.tpm, c.tokens - actual);
            } else {
                buckets.force(c.tokenBucket(), c.tpm, c.tpm, actual - c.tokens);
            }
        }
        TokenBudgets.Reservation r = c.budget;
        c.budget = null;
        if (r != null) {
            budgets.settle(r, actual);
        }
    }

    @Override
    public long usedToday(String keyId, Instant now) {
        return budgets.usedToday(keyId, now);
    }

    @Override
    public void housekeeping(Instant now) {
        buckets.evictFull();
        budgets.evictOld(now);
    }
}
