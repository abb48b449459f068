package dev.corral.pipeline;

import dev.corral.admission.AdmissionControl;
import dev.corral.refusal.Refusal;
import dev.corral.route.Route;
import dev.corral.route.RouteClass;
import dev.corral.usage.Accounting;

/**
 * The key's request rate, its requests in flight and its tokens (reserved now, settled with
 * Ollama's counts when the exchange ends: {@link SettleAdmission}). Usage accounting is asked
 * first, before anything is taken: when it cannot take another record the request is refused
 * (503) rather than served unaccounted. An admitted request is then noted durably with its
 * reservation, so it is accounted for even if the process dies mid-request.
 */
public final class Admit implements Step {
    private final AdmissionControl admission;
    private final Accounting accounting;

    public Admit(AdmissionControl admission, Accounting accounting) {
        this.admission = admission;
        this.accounting = accounting;
    }

    @Override
    public Decision apply(Exchange ex) {
        Refusal full = accounting.refuseIfFull();
        if (full != null) {
            return Decision.refuse(full);
        }
        Route route = ex.route();
        AdmissionControl.Decision d = admission.admit(ex.principal(), route.routeClass() == RouteClass.INFERENCE,
                route.producesCompletion(), ex.maxTokens(), ex.tally().bytesIn());
        if (d.refusal() != null) {
            return Decision.refuse(d.refusal());
        }
        ex.ticket(d.ticket());
        accounting.admitted(ex.requestId(), ex.startedAt(), ex.keyId(), ex.authMethod(), route.name(), ex.model(), ex.tally().bytesIn(),
                d.ticket().promptEstimate(), d.ticket().completionReserve());
        return Decision.CONTINUE;
    }
}
