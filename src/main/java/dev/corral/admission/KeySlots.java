package dev.corral.admission;

/**
 * Requests in flight per key, counted beyond this process (several instances sharing one limit).
 * In one process {@link #NONE}: {@link InFlight} alone is exact there.
 */
public interface KeySlots {
    /** A slot held; {@link #release} is called once, when the request ends. */
    interface Held {
        void release();
    }

    /** A slot under {@code limit}, or null (nothing taken) when the key has {@code limit} in flight. */
    Held take(String keyId, int limit);

    /** Nothing beyond this process: every take succeeds. */
    KeySlots NONE = (keyId, limit) -> () -> { };
}
