package dev.corral.pipeline;

import dev.corral.admission.FairQueue;
import dev.corral.admission.Ticket;
import dev.corral.upstream.Failover;
import dev.corral.upstream.Node;
import dev.corral.upstream.NodeChoice;
import dev.corral.upstream.Nodes;
import java.util.HashSet;
import java.util.Set;

/**
 * Sends a request that could not connect to its node to another one (nothing of it was sent): the
 * next node the routing decision gives among those not tried, if it has a slot free now (the
 * request moves its slot there) and has the model whenever any node has it (else a client would get
 * "not found" for a model that only sits on a node that is down). Otherwise the request fails as it
 * would with one Ollama.
 */
final class NodeFailover implements Failover {
    private final Nodes nodes;
    private final Exchange ex;
    private final Set<Node> tried = new HashSet<>(4);

    NodeFailover(Nodes nodes, Exchange ex) {
        this.nodes = nodes;
        this.ex = ex;
    }

    @Override
    public Next next(Throwable cause) {
        tried.add(ex.node());
        String model = NodeChoice.key(ex.model());
        Nodes.Routed r = nodes.route(model, tried);
        Node next = r.node();
        if (next == null || (model != null && !next.models().contains(model) && anyHas(model))) {
            return null;
        }
        Ticket t = ex.ticket();
        if (t != null && t.holdsSlot()) {
            FairQueue.Permit p = next.queue().tryAcquire();
            if (p == null) {
                return null;
            }
            t.move(p);
        }
        ex.node(next);
        next.sending();
        return new Next(next.connections(), next, next.config().at().hostHeader());
    }

    private boolean anyHas(String model) {
        for (Node n : nodes.all()) {
            if (n.models().contains(model)) {
                return true;
            }
        }
        return false;
    }
}
