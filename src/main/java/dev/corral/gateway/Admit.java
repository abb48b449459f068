package dev.corral.gateway;

import dev.corral.limit.Admission;

/**
 * Stage 7, admit: request rate, in-flight requests and tokens of the key (reserved now, settled
 * with Ollama's counts when the exchange finishes). Waiting for a free upstream slot, in fair
 * order across keys, follows in the connection handler, since it is asynchronous.
 */
public final class Admit implements Stage {
    private final Admission admission;

    public Admit(Admission admission) {
        this.admission = admission;
    }

    @Override
    public boolean needsBody() {
        return true;
    }

    @Override
    public Refusal apply(Exchange exchange) {
        return admission.admit(exchange);
    }
}
