package dev.corral.pipeline;

/**
 * How an exchange ended, as the settle listeners (usage record, access log, admission) read it:
 * status, outcome, bytes, Ollama's token counts. Finished exactly once: the first {@link #finish}
 * wins and later ones (the disconnect path racing the completion path) are ignored.
 */
public final class Tally {
    private int status;
    private Outcome outcome;
    private String reason;
    private long bytesIn;
    private long bytesOut;
    private long promptTokens = -1;
    private long completionTokens = -1;
    private volatile int events;
    private long durationNanos;
    private long firstByteNanos = -1;
    private boolean finished;

    public int status() { return status; }
    public void status(int s) { status = s; }
    public Outcome outcome() { return outcome; }
    public String reason() { return reason; }
    public long bytesIn() { return bytesIn; }
    public void addBytesIn(long n) { bytesIn += n; }
    public long bytesOut() { return bytesOut; }
    public void addBytesOut(long n) { bytesOut += n; }
    /** -1 when Ollama reported none. */
    public long promptTokens() { return promptTokens; }
    /** -1 when Ollama reported none. */
    public long completionTokens() { return completionTokens; }
    /** Stream objects or events seen in the response. */
    public int events() { return events; }
    public long durationNanos() { return durationNanos; }
    /** From the request's arrival to Ollama's response head; -1 when Ollama never answered. */
    public long firstByteNanos() { return firstByteNanos; }
    void firstByte(long nanos) { firstByteNanos = nanos; }
    public boolean finished() { return finished; }

    /** Stream objects or events relayed so far, while the answer streams (for the live view). */
    public void streamed(int eventCount) {
        events = eventCount;
    }

    public void tokens(long prompt, long completion, int eventCount) {
        promptTokens = prompt;
        completionTokens = completion;
        events = eventCount;
    }

    /** Ends the exchange; true for the first call only. */
    boolean finish(Outcome o, int finalStatus, String why, long nanos) {
        if (finished) {
            return false;
        }
        finished = true;
        outcome = o;
        if (finalStatus > 0) {
            status = finalStatus;
        }
        if (why != null) {
            reason = why;
        }
        durationNanos = nanos;
        return true;
    }
}
