package dev.corral.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.upstream.Node;
import dev.corral.upstream.Nodes;

/** Each Ollama node as the admin API shows it: name, address, in service or not and why, slots, models, requests sent. */
final class NodesJson {
    private NodesJson() {}

    static ArrayNode of(Nodes nodes) {
        ArrayNode arr = JsonNodeFactory.instance.arrayNode();
        for (Node n : nodes.all()) {
            ObjectNode o = arr.addObject().put("name", n.name()).put("url", n.config().at().hostHeader())
                    .put("in_service", n.inService()).put("last_failure", n.lastFailure())
                    .put("slots", n.queue().capacity()).put("in_use", n.queue().inUse()).put("waiting", n.queue().waiting())
                    .put("weight", n.config().weight()).put("requests", n.sent()).put("ejections", n.ejections());
            ObjectNode labels = o.putObject("labels");
            n.config().labels().forEach(labels::put);
            ArrayNode models = o.putArray("models");
            n.models().stream().map(NodesJson::display).sorted().forEach(models::add);
            ArrayNode loaded = o.putArray("loaded");
            n.loaded().stream().map(NodesJson::display).sorted().forEach(loaded::add);
        }
        return arr;
    }

    /** A model as Ollama lists it (llama3.2:3b), from the resolved name the nodes keep. */
    private static String display(String key) {
        return dev.corral.access.ModelName.parse(key).shortest();
    }
}
