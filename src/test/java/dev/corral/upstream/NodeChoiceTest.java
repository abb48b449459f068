package dev.corral.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeChoiceTest {
    static final String LLAMA = NodeChoice.key("llama3.2:3b");
    static final String QWEN = NodeChoice.key("qwen2.5:7b");

    static NodeChoice.View node(String name, boolean up, Set<String> models, Set<String> loaded, int busy, int slots) {
        return new NodeChoice.View(name, up, models, loaded, busy, 0, slots, 1);
    }

    static int choose(String model, List<NodeChoice.View> nodes) {
        return NodeChoice.choose(model, nodes, Set.of()).index();
    }

    @Test
    void aRequestGoesToTheNodeThatHasItsModel() {
        List<NodeChoice.View> nodes = List.of(node("a", true, Set.of(QWEN), Set.of(), 0, 1),
                node("b", true, Set.of(LLAMA), Set.of(), 3, 4));
        assertThat(choose(LLAMA, nodes)).isEqualTo(1);
        assertThat(choose(QWEN, nodes)).isEqualTo(0);
    }

    @Test
    void aNodeWhereTheModelIsLoadedWithAFreeSlotComesFirstThenTheLeastLoaded() {
        List<NodeChoice.View> nodes = List.of(node("a", true, Set.of(LLAMA), Set.of(), 0, 2),
                node("b", true, Set.of(LLAMA), Set.of(LLAMA), 1, 2));
        assertThat(choose(LLAMA, nodes)).as("loaded with a free slot beats idle but not loaded").isEqualTo(1);
        List<NodeChoice.View> full = List.of(node("a", true, Set.of(LLAMA), Set.of(), 1, 2),
                node("b", true, Set.of(LLAMA), Set.of(LLAMA), 2, 2));
        assertThat(choose(LLAMA, full)).as("loaded but no free slot: the least loaded").isEqualTo(0);
    }

    @Test
    void loadCountsWaitersAndWeight() {
        NodeChoice.View a = new NodeChoice.View("a", true, Set.of(LLAMA), Set.of(), 2, 2, 2, 1); // 4 / 2
        NodeChoice.View b = new NodeChoice.View("b", true, Set.of(LLAMA), Set.of(), 2, 3, 2, 2); // 5 / 4
        assertThat(choose(LLAMA, List.of(a, b))).isEqualTo(1);
        NodeChoice.View c = new NodeChoice.View("c", true, Set.of(LLAMA), Set.of(), 2, 2, 2, 2); // 4 / 4: a tie with d
        NodeChoice.View d = new NodeChoice.View("d", true, Set.of(LLAMA), Set.of(), 1, 0, 1, 1);
        assertThat(choose(LLAMA, List.of(c, d))).as("a tie goes to the node listed first").isEqualTo(0);
    }

    @Test
    void nodesOutOfServiceOrAlreadyTriedAreNeverChosen() {
        List<NodeChoice.View> nodes = List.of(node("a", false, Set.of(LLAMA), Set.of(LLAMA), 0, 1),
                node("b", true, Set.of(QWEN), Set.of(), 5, 1), node("c", true, Set.of(LLAMA), Set.of(), 0, 1));
        assertThat(choose(LLAMA, nodes)).isEqualTo(2);
        assertThat(NodeChoice.choose(LLAMA, nodes, Set.of(2)).index())
                .as("the only other node in service, though it lacks the model: it answers as Ollama would").isEqualTo(1);
        NodeChoice.Choice none = NodeChoice.choose(LLAMA, nodes, Set.of(1, 2));
        assertThat(none.chosen()).isFalse();
        assertThat(none.refusal()).isEqualTo("no other Ollama node is answering");
        assertThat(NodeChoice.choose(LLAMA, List.of(nodes.get(0)), Set.of()).refusal()).isEqualTo("no Ollama node is answering");
    }

    @Test
    void aModelNoNodeHasGoesToTheLeastLoadedNodeSoTheClientGetsOllamasOwnAnswer() {
        List<NodeChoice.View> nodes = List.of(node("a", true, Set.of(LLAMA), Set.of(), 1, 1),
                node("b", true, Set.of(QWEN), Set.of(), 0, 1));
        assertThat(choose(NodeChoice.key("nope:1b"), nodes)).isEqualTo(1);
        assertThat(choose(null, nodes)).as("a request without a model: the least loaded").isEqualTo(1);
    }

    @Test
    void modelNamesMatchAsOllamaResolvesThem() {
        assertThat(NodeChoice.key("llama3.2")).isEqualTo(NodeChoice.key("llama3.2:latest"))
                .isEqualTo(NodeChoice.key("registry.ollama.ai/library/llama3.2:latest"))
                .isEqualTo(NodeChoice.key("Llama3.2:Latest"));
        assertThat(NodeChoice.key("llama3.2:3b")).isNotEqualTo(NodeChoice.key("llama3.2"));
        assertThat(NodeChoice.key(null)).isNull();
    }

    @Test
    void anEjectionLastsTheIntervalDoubledForEachEjectionInARowUpTo32Intervals() {
        assertThat(Node.backoff(100, 1)).isEqualTo(100);
        assertThat(Node.backoff(100, 2)).isEqualTo(200);
        assertThat(Node.backoff(100, 3)).isEqualTo(400);
        assertThat(Node.backoff(100, 6)).isEqualTo(3200);
        assertThat(Node.backoff(100, 40)).isEqualTo(3200);
    }
}
