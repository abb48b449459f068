package dev.corral.admission;

import java.time.Instant;
import java.util.function.LongUnaryOperator;

/**
 * What one request takes from its key's limits, all of it or nothing, and what came of it: one
 * request against the request rate, a slot among the key's requests in flight across instances,
 * its token estimate against the tokens per minute and against the daily and monthly budgets (a
 * limit of 0 is not taken). {@link Limiters#take} fills in the outcome and what is held;
 * {@link Limiters#settle} gives back what is held, with the real token count.
 */
public final class Claim {
    /** The limit that refused the claim. */
    public enum Refused { RATE, CONCURRENCY, TOKENS, BUDGET }

    final String keyId;
    final long rpm;
    final long rpmCapacity;
    final int concurrency;
    final long tpm;
    final long tokens;
    final long daily;
    final long monthly;
    final Instant now;
    /**
     * What it takes of each limit, one request's worth unless shared limits take ahead for requests to
     * come ({@link #ahead}): requests against the rate, slots, tokens of the budgets ({@link #tokens} is
     * what it takes of the tokens per minute).
     */
    final long rateUnits;
    final int slotUnits;
    final long budgetTokens;

    /** Null when everything was taken; else the limit that refused (and nothing is held). */
    Refused refused;
    /** RATE, TOKENS: nanoseconds until the bucket would have allowed it. */
    long waitNanos;
    /** TOKENS: the tokens per minute left when it was refused. */
    long tokensLeft;
    /** BUDGET: which budget, and how it stood. */
    TokenBudgets.Exceeded exceeded;

    /** Held: the slot among requests in flight across instances, the token reservation, the budget reservation. */
    KeySlots.Held slot;
    boolean tpmHeld;
    TokenBudgets.Reservation budget;
    /** Held where the implementation keeps it: e.g. the lease a remote claim was taken under. */
    Object holder;

    public Claim(String keyId, long rpm, long rpmCapacity, int concurrency, long tpm, long tokens, long daily, long monthly,
                 Instant now) {
        this(keyId, rpm, rpmCapacity, concurrency, tpm, tokens, daily, monthly, now, 1, 1, tokens);
    }

    private Claim(String keyId, long rpm, long rpmCapacity, int concurrency, long tpm, long tokens, long daily, long monthly,
                  Instant now, long rateUnits, int slotUnits, long budgetTokens) {
        this.rateUnits = rateUnits;
        this.slotUnits = slotUnits;
        this.budgetTokens = budgetTokens;
        this.keyId = keyId;
        this.rpm = rpm;
        this.rpmCapacity = rpmCapacity;
        this.concurrency = concurrency;
        this.tpm = tpm;
        this.tokens = tokens;
        this.daily = daily;
        this.monthly = monthly;
        this.now = now;
    }

    /** The same claim with every limit replaced by {@code share}'s value of it (a local share while degraded). */
    public Claim scaled(LongUnaryOperator share) {
        return new Claim(keyId, share.applyAsLong(rpm), share.applyAsLong(rpmCapacity), (int) share.applyAsLong(concurrency),
                share.applyAsLong(tpm), tokens, share.applyAsLong(daily), share.applyAsLong(monthly), now);
    }

    /**
     * A claim under the same limits that takes these amounts instead of one request's (0: nothing of
     * that limit): limits shared by several instances take it ahead of requests to come.
     */
    public Claim ahead(long rate, long tpmTokens, int slots, long budget) {
        return new Claim(keyId, rpm, rpmCapacity, concurrency, tpm, tpmTokens, daily, monthly, now, rate, slots, budget);
    }

    /** Requests it takes against the request rate. */
    public long rateUnits() {
        return rateUnits;
    }

    /** Slots it takes among the key's requests in flight (where the key has a limit on them). */
    public int slotUnits() {
        return slotUnits;
    }

    /** Tokens it takes in the daily and monthly budgets (where the key has them). */
    public long budgetTokens() {
        return budgetTokens;
    }

    /** Marks it refused by {@code why}; the caller has given back what it took. */
    public Claim refuse(Refused why, long waitNanos) {
        this.refused = why;
        this.waitNanos = waitNanos;
        return this;
    }

    public Claim refuseTokens(long waitNanos, long left) {
        this.tokensLeft = left;
        return refuse(Refused.TOKENS, waitNanos);
    }

    public Claim refuseBudget(TokenBudgets.Exceeded why) {
        this.exceeded = why;
        return refuse(Refused.BUDGET, 0);
    }

    /**
     * Takes the outcome of {@code taken}, this claim's stand-in (e.g. {@link #scaled}, taken in memory
     * while shared limits are down): refused as it was, or holding what it holds, through it.
     */
    public Claim adopt(Claim taken) {
        this.refused = taken.refused;
        this.waitNanos = taken.waitNanos;
        this.tokensLeft = taken.tokensLeft;
        this.exceeded = taken.exceeded;
        this.holder = taken.refused == null ? taken : null;
        return this;
    }

    public String keyId() {
        return keyId;
    }

    public long rpm() {
        return rpm;
    }

    public long rpmCapacity() {
        return rpmCapacity;
    }

    public int concurrency() {
        return concurrency;
    }

    public long tpm() {
        return tpm;
    }

    public long tokens() {
        return tokens;
    }

    public long daily() {
        return daily;
    }

    public long monthly() {
        return monthly;
    }

    public Instant now() {
        return now;
    }

    public Refused refused() {
        return refused;
    }

    /** BUDGET: which budget refused, and how it stood. */
    public TokenBudgets.Exceeded exceeded() {
        return exceeded;
    }

    public boolean budgets() {
        return daily > 0 || monthly > 0;
    }

    public KeySlots.Held slot() {
        return slot;
    }

    public void slot(KeySlots.Held held) {
        this.slot = held;
    }

    public boolean tpmHeld() {
        return tpmHeld;
    }

    public void tpmHeld(boolean held) {
        this.tpmHeld = held;
    }

    public TokenBudgets.Reservation budget() {
        return budget;
    }

    public void budget(TokenBudgets.Reservation r) {
        this.budget = r;
    }

    public Object holder() {
        return holder;
    }

    public void holder(Object h) {
        this.holder = h;
    }

    /** The names of each key's buckets, made once per key: the same strings every time, their hashes computed once. */
    private static final java.util.concurrent.ConcurrentHashMap<String, String[]> BUCKET_NAMES = new java.util.concurrent.ConcurrentHashMap<>();

    private static String[] bucketNames(String keyId) {
        String[] n = BUCKET_NAMES.get(keyId);
        if (n == null) {
            n = BUCKET_NAMES.computeIfAbsent(keyId, k -> new String[] {"rpm:" + k, "tpm:" + k});
        }
        return n;
    }

    /** The name of {@code keyId}'s request-rate bucket (the same in this process and in Redis). */
    public static String rateBucket(String keyId) {
        return bucketNames(keyId)[0];
    }

    /** The name of {@code keyId}'s token-rate bucket. */
    public static String tokenBucket(String keyId) {
        return bucketNames(keyId)[1];
    }

    public String rateBucket() {
        return rateBucket(keyId);
    }

    public String tokenBucket() {
        return tokenBucket(keyId);
    }
}
