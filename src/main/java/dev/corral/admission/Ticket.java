package dev.corral.admission;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one admitted request holds until it ends: an in-flight count, a token reservation, a budget
 * reservation, an upstream slot. {@link AdmissionControl#settle} gives everything back exactly
 * once; the slot may arrive after that (a grant racing the client's departure) and is then given
 * straight back.
 */
public final class Ticket {
    final String keyId;
    final EffectiveLimits limits;
    final AtomicBoolean released = new AtomicBoolean();
    boolean inFlight;
    /** What it took from the key's limits; null until admitted. */
    Claim claim;
    long promptEstimate;
    long completionReserve;
    private volatile FairQueue.Permit permit;

    Ticket(String keyId, EffectiveLimits limits) {
        this.keyId = keyId;
        this.limits = limits;
    }

    public String keyId() {
        return keyId;
    }

    public int weight() {
        return limits.weight();
    }

    /** Prompt tokens estimated at admission (body bytes / 4). */
    public long promptEstimate() {
        return promptEstimate;
    }

    /** Completion tokens reserved at admission (num_predict / max_tokens, or the default; 0 for embeddings). */
    public long completionReserve() {
        return completionReserve;
    }

    /** Holds an upstream slot; if the ticket was already settled, gives it straight back. */
    public void hold(FairQueue.Permit p) {
        permit = p;
        if (released.get()) {
            p.release();
        }
    }

    /** The request moved to another node: it holds that node's slot now, and gives back the one it held. */
    public void move(FairQueue.Permit p) {
        FairQueue.Permit old = permit;
        hold(p);
        if (old != null) {
            old.release();
        }
    }

    /** Whether it holds a slot. */
    public boolean holdsSlot() {
        return permit != null;
    }

    FairQueue.Permit permit() {
        return permit;
    }
}
