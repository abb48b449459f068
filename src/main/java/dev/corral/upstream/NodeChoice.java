package dev.corral.upstream;

import dev.corral.access.ModelName;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which Ollama node a request goes to, decided from the request's model and what is known of the
 * nodes, nothing else. Only nodes in service (answering, not ejected) and not already tried count.
 * Of those that have the model: one where it is loaded and a slot is free; else the least loaded.
 * When none has it (a model pulled a moment ago, a cloud model, a model that does not exist) the
 * least loaded node in service gets it, so the client gets exactly the answer one Ollama would
 * give. With no node in service the request is refused, as with one Ollama that does not answer.
 * Load is (slots in use + requests waiting) / (slots x weight): a node of weight 2 takes twice the
 * share; ties go to the node listed first.
 */
public final class NodeChoice {
    /** What is known of one node now. Model names are {@link #key}s. */
    public record View(String name, boolean inService, Set<String> models, Set<String> loaded, int busy, int waiting,
                       int slots, int weight) {
        double load() {
            return (busy + waiting) / ((double) slots * weight);
        }

        boolean hasFreeSlot() {
            return busy + waiting < slots;
        }
    }

    /** The node chosen (its index in the list), or why none is. */
    public record Choice(int index, String refusal) {
        public boolean chosen() {
            return index >= 0;
        }
    }

    private NodeChoice() {}

    /**
     * @param model   the request's model as a {@link #key}, or null for a request that names none
     * @param tried   indexes of nodes this request already failed to reach
     */
    public static Choice choose(String model, List<View> nodes, Set<Integer> tried) {
        int best = -1;
        int bestHaving = -1;
        int bestLoadedFree = -1;
        for (int i = 0; i < nodes.size(); i++) {
            View v = nodes.get(i);
            if (!v.inService() || tried.contains(i)) {
                continue;
            }
            best = lessLoaded(nodes, best, i);
            if (model != null && v.models().contains(model)) {
                bestHaving = lessLoaded(nodes, bestHaving, i);
                if (v.loaded().contains(model) && v.hasFreeSlot()) {
                    bestLoadedFree = lessLoaded(nodes, bestLoadedFree, i);
                }
            }
        }
        if (best < 0) {
            return new Choice(-1, tried.isEmpty() ? "no Ollama node is answering" : "no other Ollama node is answering");
        }
        return new Choice(bestLoadedFree >= 0 ? bestLoadedFree : bestHaving >= 0 ? bestHaving : best, null);
    }

    private static int lessLoaded(List<View> nodes, int current, int candidate) {
        if (current < 0) {
            return candidate;
        }
        return nodes.get(candidate).load() < nodes.get(current).load() ? candidate : current;
    }

    /**
     * A model name as Ollama resolves it (default registry, namespace and tag filled in, case
     * folded), so "llama3.2" in a request matches "llama3.2:latest" in /api/tags; a name Ollama
     * would refuse is kept as written (no node has it, and the node that gets it refuses it).
     */
    public static String key(String name) {
        if (name == null) {
            return null;
        }
        try {
            return ModelName.forShow(name).full().toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return name.toLowerCase(Locale.ROOT);
        }
    }
}
