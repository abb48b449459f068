package dev.corral.pipeline;

import dev.corral.admission.Admission;

/**
 * Stage 7, admit: request rate, in-flight requests and tokens of the key (reserved now, settled
 * with Ollama's counts when the exchange finishes). Waiting for a free upstream slot, in fair
 * order across keys, follows in the connection handler, since it is asynchronous.
 *
 * <p>Usage accounting is asked first, before anything is taken: when it cannot take another record
 * the request is refused (503) rather than served unaccounted. An admitted request is then noted
 * durably with its reservation, so that it is accounted for even if the process dies mid-request.
 */
public final class Admit implements Stage {
    private final Admission admission;
    private final Accounting accounting;

    public Admit(Admission admission) {
        this(admission, Accounting.NONE);
    }

    public Admit(Admission admission, Accounting accounting) {
        this.admission = admission;
        this.accounting = accounting;
    }

    @Override
    public boolean needsBody() {
        return true;
    }

    @Override
    public Refusal apply(Exchange exchange) {
        Refusal full = accounting.refuseIfFull();
        if (full != null) {
            return full;
        }
        Refusal refusal = admission.admit(exchange);
        if (refusal == null) {
            Admission.Ticket t = exchange.admission();
            accounting.admitted(exchange, t.promptEstimate(), t.completionReserve());
        }
        return refusal;
    }
}
