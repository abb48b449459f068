package dev.corral.metrics;

import dev.corral.upstream.Node;
import dev.corral.upstream.Nodes;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Each Ollama node's meters, tagged {@code node} with its name: in service or not, slots in use,
 * slots, requests waiting, models it has and has loaded, requests sent, ejections. Read at scrape
 * time from the nodes themselves; nothing is counted on the request path for them.
 */
final class NodeMeters {
    private NodeMeters() {}

    static void bind(MeterRegistry registry, Nodes nodes) {
        for (Node n : nodes.all()) {
            String name = n.name();
            Gauge.builder("corral.upstream.node.up", n, x -> x.inService() ? 1 : 0).tag("node", name)
                    .description("1 when the node is in service, 0 while it is ejected").register(registry);
            Gauge.builder("corral.upstream.node.slots.in.use", n, x -> x.queue().inUse()).tag("node", name)
                    .description("the node's slots held by requests").register(registry);
            Gauge.builder("corral.upstream.node.slots", n, x -> x.queue().capacity()).tag("node", name)
                    .description("the node's slots (upstreams[].slots)").register(registry);
            Gauge.builder("corral.upstream.node.queue.waiting", n, x -> x.queue().waiting()).tag("node", name)
                    .description("requests waiting for one of the node's slots").register(registry);
            Gauge.builder("corral.upstream.node.models", n, x -> x.models().size()).tag("node", name)
                    .description("models the node has (its /api/tags at the last probe)").register(registry);
            Gauge.builder("corral.upstream.node.models.loaded", n, x -> x.loaded().size()).tag("node", name)
                    .description("models the node has loaded (its /api/ps at the last probe)").register(registry);
            FunctionCounter.builder("corral.upstream.node.requests", n, Node::sent).tag("node", name)
                    .description("requests Corral set out to send to the node (a failed-over one counts at each node tried)").register(registry);
            FunctionCounter.builder("corral.upstream.node.ejections", n, Node::ejections).tag("node", name)
                    .description("times the node was taken out of service (refused connections, 5xx, failed probes)")
                    .register(registry);
        }
    }
}
