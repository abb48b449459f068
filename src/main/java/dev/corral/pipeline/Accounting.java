package dev.corral.pipeline;

/**
 * Usage accounting as the admit stage sees it: whether another request can be accounted for, and
 * the note, made durably, that one was admitted (usage.UsageRecorder implements it).
 */
public interface Accounting {
    /**
     * Null when accounting can take another request; else the refusal (503 with Retry-After). A
     * request refused this way adds no usage record (it would grow what cannot be written); the
     * access log has it.
     */
    Refusal refuseIfFull();

    /**
     * The exchange was admitted holding this token reservation. Runs on the event loop before the
     * request is forwarded: cheap, and it never throws for I/O.
     */
    void admitted(Exchange exchange, long promptEstimate, long completionReserve);

    /** No accounting (tests of the path alone). */
    Accounting NONE = new Accounting() {
        @Override
        public Refusal refuseIfFull() {
            return null;
        }

        @Override
        public void admitted(Exchange exchange, long promptEstimate, long completionReserve) {
        }
    };
}
