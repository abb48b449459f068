package dev.corral.admission;

/**
 * Named token buckets (capacity, refilled at a rate per minute). In one process they are Bucket4j
 * buckets ({@link LocalBuckets}); a cluster puts the same operations on Redis without changing the
 * stages that use them.
 */
public interface Buckets {
    /** Takes {@code n} if there are {@code n}: returns 0; otherwise takes nothing and returns the nanoseconds until there will be. */
    long take(String name, long capacity, long perMinute, long n);

    /** Takes {@code n} even into debt: settling real counts above what was reserved. */
    void force(String name, long capacity, long perMinute, long n);

    /** Gives {@code n} back (a refund), never above the capacity. */
    void refund(String name, long capacity, long perMinute, long n);

    long available(String name, long capacity, long perMinute);

    /** Forgets full buckets (idle clients), so memory follows the active ones. */
    void evictFull();
}
