package dev.corral.pipeline;

import dev.corral.refusal.Refusal;
import java.util.concurrent.CompletableFuture;

/**
 * What a {@link Step} decided, as a value the connection carries out: go on to the next step;
 * read the request body (bounded) and ask this step again; refuse; answer here without Ollama
 * (health, CORS preflight); or wait for a future decision (a slot in the fair queue) that
 * completes on the exchange's event loop.
 */
public final class Decision {
    /** The kinds of decision. */
    public enum Kind { CONTINUE, READ_BODY, REFUSE, ANSWER, AWAIT }

    public static final Decision CONTINUE = new Decision(Kind.CONTINUE, null, null, null, false);
    public static final Decision READ_BODY = new Decision(Kind.READ_BODY, null, null, null, false);
    /** Read the body after telling the client to send it (Expect: 100-continue). */
    public static final Decision READ_BODY_AFTER_CONTINUE = new Decision(Kind.READ_BODY, null, null, null, true);

    private final Kind kind;
    private final Refusal refusal;
    private final LocalAnswer answer;
    private final CompletableFuture<Decision> pending;
    private final boolean sendContinue;

    private Decision(Kind kind, Refusal refusal, LocalAnswer answer, CompletableFuture<Decision> pending, boolean sendContinue) {
        this.kind = kind;
        this.refusal = refusal;
        this.answer = answer;
        this.pending = pending;
        this.sendContinue = sendContinue;
    }

    public static Decision refuse(Refusal r) {
        return new Decision(Kind.REFUSE, r, null, null, false);
    }

    public static Decision answer(LocalAnswer a) {
        return new Decision(Kind.ANSWER, null, a, null, false);
    }

    /**
     * Wait: {@code pending} completes, on the exchange's event loop, with the decision to carry out.
     * If the client leaves first, the connection cancels it, and the step that made it lets go of
     * whatever it was waiting for.
     */
    public static Decision await(CompletableFuture<Decision> pending) {
        return new Decision(Kind.AWAIT, null, null, pending, false);
    }

    /** Continue when {@code refusal} is null, else refuse. */
    public static Decision refuseIf(Refusal refusal) {
        return refusal == null ? CONTINUE : refuse(refusal);
    }

    public Kind kind() {
        return kind;
    }

    public Refusal refusal() {
        return refusal;
    }

    public LocalAnswer answer() {
        return answer;
    }

    public CompletableFuture<Decision> pending() {
        return pending;
    }

    public boolean sendContinue() {
        return sendContinue;
    }
}
