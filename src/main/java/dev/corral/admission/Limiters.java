package dev.corral.admission;

import dev.corral.store.Store;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Where the keys' limits are kept: in this process ({@link LocalLimits}), or shared over the network
 * by several instances. A claim is taken whole or not at all; its future completes with the claim,
 * its outcome filled in, at once in memory and when the network answers otherwise (never blocking
 * the caller); it completes exceptionally with {@link LimitsUnavailable} when the limits cannot be
 * checked and the operator chose to refuse.
 */
public interface Limiters {
    /** Takes what {@code c} asks for, or nothing; completes with {@code c}. */
    CompletableFuture<Claim> take(Claim c);

    /** Gives back what {@code c} holds, replacing its token reservations by {@code actual}. Called once per taken claim. */
    void settle(Claim c, long actual);

    /** Tokens used and reserved in the key's current UTC day. */
    long usedToday(String keyId, Instant now);

    /** Forgets idle buckets and past budget periods. */
    void housekeeping(Instant now);

    /** Null while the limits are as configured; else a short phrase saying what is not (for /healthz). */
    default String degraded() {
        return null;
    }

    /** Refuses new claims with {@link java.util.concurrent.RejectedExecutionException} beyond this many waiting for the network. */
    default boolean busy() {
        return false;
    }

    /** In this process: exact for one instance, the default. */
    static Limiters inProcess(Store store) {
        return new LocalLimits(new LocalBuckets(), new LocalTokenBudgets(store), KeySlots.NONE);
    }
}
