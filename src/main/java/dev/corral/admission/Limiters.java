package dev.corral.admission;

import dev.corral.store.Store;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Where the keys' limits are kept: buckets for rates, budgets, slots for requests in flight; where
 * admission runs when they answer over the network; and how they stand, for /healthz.
 *
 * @param offLoop  null when every call is in memory (admission runs on the event loop); else the
 *                 executor admission runs on, since the calls wait for the network
 * @param degraded null while the limits are as configured; else a short phrase saying what is not
 */
public record Limiters(Buckets buckets, TokenBudgets budgets, KeySlots slots, Executor offLoop, Supplier<String> degraded) {

    /** In this process: exact for one instance, the default. */
    public static Limiters inProcess(Store store) {
        return new Limiters(new LocalBuckets(), new LocalTokenBudgets(store), KeySlots.NONE, null, () -> null);
    }
}
