package dev.corral.shared;

import dev.corral.admission.Claim;
import dev.corral.admission.TokenBudgets;

/**
 * What this instance took from one key's shared limits ahead of its requests: request-rate and
 * token-rate tokens out of the key's Redis buckets, slots and budget tokens held in Redis under this
 * instance's lease. A request that finds all it needs here is admitted without a call to Redis;
 * what it gives back when it ends comes back here. Everything here was really taken from the shared
 * limits, so the instances together still never admit more than the limits allow: they only take
 * earlier. What a killed instance had here comes back as its other holdings do (its lease expires;
 * bucket tokens refill within a minute).
 *
 * <p>A stock belongs to one lease, one set of limits and one budget period: a claim under other ones
 * is not served from it. Its methods are called on event loops and the sweep thread: each is one
 * short critical section.
 */
final class Stock {
    final String keyId;
    final String lease;
    final long rpm;
    final long rpmCapacity;
    final long tpm;
    final long daily;
    final long monthly;
    final int concurrency;
    /** The budget periods its budget tokens are held in, or {@link TokenBudgets#NONE}. */
    final long day;
    final long month;
    /** The UTC day it was taken on (its month is {@link #month}'s where it has a monthly budget). */
    private final long takenOn;

    private long rate;
    private long tokens;
    private long budget;
    private int slots;
    /** Tokens of ended requests served from here, still held (not yet counted as used) in Redis. */
    private long used;
    private boolean usedQueued;
    private long usedFlushed;
    private long lastUse;
    private long lastRefill;
    private int chunk = 2;
    private boolean retired;

    /** What {@link #empty} handed back: request-rate and token-rate tokens (below zero: a debt), slots, budget tokens. */
    record Holdings(long rate, long tokens, int slots, long budget) {}

    Stock(Claim c, String lease, long day, long now) {
        this.keyId = c.keyId();
        this.lease = lease;
        this.rpm = c.rpm();
        this.rpmCapacity = c.rpmCapacity();
        this.tpm = c.tpm();
        this.daily = c.daily();
        this.monthly = c.monthly();
        this.concurrency = c.concurrency();
        this.takenOn = day;
        this.day = c.daily() > 0 ? day : TokenBudgets.NONE;
        this.month = c.monthly() > 0 ? Keys.monthIndex(day) : TokenBudgets.NONE;
        this.lastUse = now;
        this.lastRefill = now - 1_000_000_000L;
    }

    /**
     * Whether {@code c} is under this stock's lease, limits and periods ({@code today}: the UTC day
     * of {@code c}; its month is worked out only on a day the stock was not taken on).
     */
    boolean fits(Claim c, String currentLease, long today) {
        return lease.equals(currentLease) && c.rpm() == rpm && c.rpmCapacity() == rpmCapacity && c.tpm() == tpm
                && c.daily() == daily && c.monthly() == monthly && c.concurrency() == concurrency
                && (daily <= 0 || day == today) && (monthly <= 0 || takenOn == today || month == Keys.monthIndex(today));
    }

    /** Takes one request's worth for {@code c} (which {@link #fits}); false, taking nothing, when it is not all here. */
    synchronized boolean serve(Claim c, long now) {
        long need = c.tokens();
        if (retired || (rpm > 0 && rate < 1) || (tpm > 0 && tokens < need) || (concurrency > 0 && slots < 1)
                || (budgets() && budget < need)) {
            return false;
        }
        if (rpm > 0) {
            rate--;
        }
        if (tpm > 0) {
            tokens -= need;
        }
        if (concurrency > 0) {
            slots--;
        }
        if (budgets()) {
            budget -= need;
        }
        lastUse = now;
        return true;
    }

    /**
     * The claim that refills what this stock lacks for {@code c}: k requests' worth of each limit it
     * has less than one request's worth of (enough for {@code c} at least), nothing of the others, so
     * that what requests give back (slots, unused tokens) does not pile up here.
     */
    synchronized Claim refill(Claim c, int k) {
        long need = c.tokens();
        long r = rpm > 0 && rate < 1 ? Math.max(k, 1 - rate) : 0;
        long t = tpm > 0 && tokens < need ? Math.max(k * need, need - tokens) : 0;
        int sl = concurrency > 0 && slots < 1 ? Math.max(k, 1 - slots) : 0;
        long b = budgets() && budget < need ? Math.max(k * need, need - budget) : 0;
        return c.ahead(r, t, sl, b);
    }

    /** {@code big} (a {@link #refill}) was taken from the shared limits. */
    synchronized void add(Claim big, long now) {
        if (rpm > 0) {
            rate += big.rateUnits();
        }
        if (tpm > 0) {
            tokens += big.tokens();
        }
        if (concurrency > 0) {
            slots += big.slotUnits();
        }
        if (budgets()) {
            budget += big.budgetTokens();
        }
        lastRefill = now;
    }

    /**
     * A request served from here ended, having used {@code actual} of the {@code reserved} tokens it
     * took: its slot and the rest of its tokens come back here; what it used stays held in Redis
     * until {@link #takeUsed} counts it as used. True when the caller is to queue that: not queued
     * yet, and none went in the last {@code every} nanoseconds (the sweep queues the rest).
     */
    synchronized boolean back(long reserved, long actual, long now, long every) {
        if (concurrency > 0) {
            slots++;
        }
        if (tpm > 0) {
            tokens += reserved - actual; // below zero: a debt the next refill pays, or the return does
        }
        if (budgets()) {
            budget += reserved - actual;
            used += actual;
            return flushUsed(now, every);
        }
        return false;
    }

    /** Whether to queue the used tokens now ({@link #takeUsed} then gives them); marks them queued if so. */
    synchronized boolean flushUsed(long now, long every) {
        if (used == 0 || usedQueued || now - usedFlushed < every) {
            return false;
        }
        usedQueued = true;
        return true;
    }

    /** The give-back that counts the used tokens as used (and no longer held), or null when there are none. */
    synchronized ClaimScripts.Give takeUsed() {
        usedQueued = false;
        usedFlushed = System.nanoTime();
        if (used == 0) {
            return null;
        }
        long u = used;
        used = 0;
        return new ClaimScripts.Give(lease, keyId, 0, new TokenBudgets.Reservation(keyId, day, month, u), u);
    }

    /**
     * Empties the stock for the shared limits to have back; the used tokens go with {@link #takeUsed}.
     * Requests still in flight come back here when they end (and are counted as used then).
     */
    synchronized Holdings empty() {
        Holdings out = new Holdings(rate, tokens, slots, Math.max(0, budget));
        rate = 0;
        tokens = 0;
        slots = 0;
        budget = Math.min(0, budget);
        return out;
    }

    /** No more requests are served from here (its limits, lease or period changed, or it sat unused). */
    synchronized void retire() {
        retired = true;
    }

    synchronized boolean retired() {
        return retired;
    }

    synchronized long lastUse() {
        return lastUse;
    }

    /**
     * How many requests' worth the next refill takes: doubled while the stock runs dry within a
     * tenth of a second of its last refill, halved when a second passed; never above {@code max}.
     */
    synchronized int nextChunk(int max, long now) {
        long since = now - lastRefill;
        if (since < 100_000_000L) {
            chunk = Math.min(chunk * 2, max);
        } else if (since > 1_000_000_000L) {
            chunk = Math.max(2, chunk / 2);
        }
        return Math.min(chunk, max);
    }

    private boolean budgets() {
        return daily > 0 || monthly > 0;
    }
}
