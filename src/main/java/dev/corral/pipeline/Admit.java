package dev.corral.pipeline;

import dev.corral.admission.AdmissionControl;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import dev.corral.route.Route;
import dev.corral.route.RouteClass;
import dev.corral.usage.Accounting;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * The key's request rate, its requests in flight and its tokens (reserved now, settled with
 * Ollama's counts when the exchange ends: {@link SettleAdmission}). Usage accounting is asked
 * first, before anything is taken: when it cannot take another record the request is refused
 * (503) rather than served unaccounted. An admitted request is then noted durably with its
 * reservation, so it is accounted for even if the process dies mid-request.
 *
 * <p>Limits kept in memory are checked here, on the event loop, at once. Limits shared over the
 * network (Redis) answer later, and the decision comes back to the loop: the loop never waits for
 * the network. A client that left meanwhile has its ticket given back there.
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
        boolean inference = route.routeClass() == RouteClass.INFERENCE;
        CompletableFuture<AdmissionControl.Decision> later;
        try {
            later = admission.admitLater(ex.principal(), inference, route.producesCompletion(), ex.maxTokens(),
                    ex.tally().bytesIn());
        } catch (RejectedExecutionException e) {
            return Decision.refuse(new Refusal(RefusalKind.SERVICE_UNAVAILABLE, "too many requests waiting for admission",
                    "admission_busy", false).withHeaders(java.util.Map.of("Retry-After", "1")));
        }
        if (later.isDone() && !later.isCompletedExceptionally()) {
            return carryOut(ex, later.join());
        }
        CompletableFuture<Decision> decided = new CompletableFuture<>();
        later.whenComplete((d, e) -> ex.loop().execute(() -> {
            if (decided.isDone()) { // the client left while admission waited: give back what it took
                if (d != null && d.ticket() != null) {
                    admission.settle(d.ticket(), 0);
                }
                return;
            }
            if (e != null) {
                decided.completeExceptionally(e); // fail closed: the connection answers 500
            } else {
                decided.complete(carryOut(ex, d));
            }
        }));
        return Decision.await(decided);
    }

    /** On the event loop: the ticket goes on the exchange and is noted for accounting, or the refusal is answered. */
    private Decision carryOut(Exchange ex, AdmissionControl.Decision d) {
        Route route = ex.route();
        if (d.refusal() != null) {
            return Decision.refuse(d.refusal());
        }
        ex.ticket(d.ticket());
        accounting.admitted(ex.requestId(), ex.startedAt(), ex.keyId(), ex.authMethod(), route.name(), ex.model(), ex.tally().bytesIn(),
                d.ticket().promptEstimate(), d.ticket().completionReserve());
        return Decision.CONTINUE;
    }
}
