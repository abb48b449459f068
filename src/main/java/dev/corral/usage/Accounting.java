package dev.corral.usage;

import dev.corral.refusal.Refusal;
import dev.corral.store.UsageRecord;
import java.time.Instant;

/**
 * Usage accounting as the request path sees it: whether another request can be accounted for, the
 * note, made durably, that one was admitted, and the record of how it ended ({@link UsageRecorder}
 * implements it).
 */
public interface Accounting {
    /**
     * Null when accounting can take another request; else the refusal (503 with Retry-After). A
     * request refused this way adds no usage record (it would grow what cannot be written); the
     * access log has it.
     */
    Refusal refuseIfFull();

    /**
     * A request was admitted holding this token reservation. Runs on the event loop before the
     * request is forwarded: cheap, and it never throws for I/O.
     */
    void admitted(String requestId, Instant startedAt, String keyId, String auth, String route, String model,
                  long bytesIn, long promptEstimate, long completionReserve);

    /**
     * How a request that presented a known key ended. {@code refused}: it was refused before
     * admission (such records may be dropped while accounting is full; admitted ones never are).
     */
    void finished(UsageRecord record, boolean refused);

    /** No accounting (tests of the path alone). */
    Accounting NONE = new Accounting() {
        @Override
        public Refusal refuseIfFull() {
            return null;
        }

        @Override
        public void admitted(String requestId, Instant startedAt, String keyId, String auth, String route, String model,
                             long bytesIn, long promptEstimate, long completionReserve) {
        }

        @Override
        public void finished(UsageRecord record, boolean refused) {
        }
    };
}
