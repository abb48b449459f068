package dev.corral.pipeline;

import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import dev.corral.upstream.NodeChoice;
import dev.corral.upstream.Nodes;
import java.util.Set;

/**
 * With several Ollama nodes, the one this request goes to ({@link NodeChoice}: in service, has the
 * model, loaded with a free slot, least loaded), chosen before the request waits for a slot, since
 * each node has its own. No node in service: 502, as when the one Ollama does not answer. With one
 * Ollama it passes every request on untouched.
 */
public final class PickNode implements Step {
    private final Nodes nodes;

    public PickNode(Nodes nodes) {
        this.nodes = nodes;
    }

    @Override
    public Decision apply(Exchange ex) {
        if (!nodes.several()) {
            return Decision.CONTINUE;
        }
        Nodes.Routed r = nodes.route(NodeChoice.key(ex.model()), Set.of());
        if (r.node() == null) {
            return Decision.refuse(Refusal.of(RefusalKind.BAD_GATEWAY, "upstream_connect", "the gateway cannot reach Ollama"));
        }
        ex.node(r.node());
        return Decision.CONTINUE;
    }
}
