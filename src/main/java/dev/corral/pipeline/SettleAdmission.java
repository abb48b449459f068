package dev.corral.pipeline;

import dev.corral.admission.AdmissionControl;
import dev.corral.admission.Ticket;

/**
 * Gives back what admission granted (the slot, the in-flight count) and replaces the token
 * reservation by what the request really cost: Ollama's counts when it reported them; when a
 * stream was cut before them, the estimated prompt plus one token per streamed chunk; nothing when
 * Ollama sent nothing countable.
 */
public final class SettleAdmission implements ExchangeListener {
    private final AdmissionControl admission;

    public SettleAdmission(AdmissionControl admission) {
        this.admission = admission;
    }

    @Override
    public void onComplete(Exchange ex) {
        Ticket t = ex.ticket();
        if (t != null) {
            admission.settle(t, actualTokens(ex, t));
        }
    }

    static long actualTokens(Exchange ex, Ticket t) {
        Tally tally = ex.tally();
        if (tally.promptTokens() >= 0 || tally.completionTokens() >= 0) {
            return Math.max(0, tally.promptTokens()) + Math.max(0, tally.completionTokens());
        }
        if (tally.events() == 0) {
            return 0;
        }
        return t.promptEstimate() + (ex.route().producesCompletion() ? tally.events() : 0);
    }
}
