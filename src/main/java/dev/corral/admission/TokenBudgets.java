package dev.corral.admission;

import java.time.Instant;

/**
 * Daily and monthly token budgets per key (UTC periods). A request reserves its estimate in both
 * before it is forwarded and settles the real count after, so parallel requests can never spend
 * more than the budget. {@link LocalTokenBudgets} keeps them in this process; a cluster keeps the
 * same operations in Redis.
 */
public interface TokenBudgets {

    /**
     * A reservation held in the periods current when it was made.
     * @param day   the UTC epoch day reserved in, or {@link #NONE}
     * @param month year * 12 + month - 1 reserved in, or {@link #NONE}
     */
    record Reservation(String keyId, long day, long month, long amount) {}

    long NONE = Long.MIN_VALUE;

    /** Why a reservation does not fit. */
    record Exceeded(String budget, long limit, long used, Instant resetsAt) {}

    /** The reservation, or null with {@code exceeded[0]} set when it does not fit. 0 budgets are unlimited. */
    Reservation reserve(String keyId, long daily, long monthly, long amount, Instant now, Exceeded[] exceeded);

    /** Replaces the reservation by what was really used. */
    void settle(Reservation r, long actual);

    /** Tokens used plus reserved in the key's current day. */
    long usedToday(String keyId, Instant now);

    /** Forgets past periods once nothing is reserved in them. */
    void evictOld(Instant now);
}
