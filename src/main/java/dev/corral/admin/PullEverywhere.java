package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

/**
 * One pull on every Ollama node, one node after another, answered as one NDJSON stream: each
 * node's progress lines carry {@code "node"}; a node that refuses or fails adds a line with its
 * error and the pull goes on to the next node. Each node's pull is its own {@link PullRun} (and
 * audit entry). The caller going away cancels the pull in progress and starts no other.
 */
final class PullEverywhere {
    private final List<Map.Entry<String, OllamaCalls>> nodes;
    private final AdminReplier out;
    private final BiFunction<Map.Entry<String, OllamaCalls>, AdminReplier, PullRun> pull;
    private volatile boolean gone;
    private volatile Runnable cancelCurrent;

    /** @param pull makes the pull of one node, answering through the replier it is given */
    PullEverywhere(List<Map.Entry<String, OllamaCalls>> nodes, AdminReplier out,
                   BiFunction<Map.Entry<String, OllamaCalls>, AdminReplier, PullRun> pull) {
        this.nodes = nodes;
        this.out = out;
        this.pull = pull;
    }

    void start() {
        out.beginStream();
        out.onGone(() -> {
            gone = true;
            Runnable c = cancelCurrent;
            if (c != null) {
                c.run();
            }
        });
        next(0);
    }

    private void next(int i) {
        if (i >= nodes.size() || gone) {
            out.end();
            return;
        }
        pull.apply(nodes.get(i), new OneNode(nodes.get(i).getKey(), i)).start();
    }

    /** What one node's pull says, as lines of the whole stream; its end starts the next node's. */
    private final class OneNode implements AdminReplier {
        private final String node;
        private final int index;
        private final AtomicBoolean ended = new AtomicBoolean();

        OneNode(String node, int index) {
            this.node = node;
            this.index = index;
        }

        private JsonNode tagged(JsonNode line) {
            return line instanceof ObjectNode o ? o.deepCopy().put("node", node) : line;
        }

        @Override
        public void reply(AdminRoutes.Reply reply) {
            if (ended.compareAndSet(false, true)) {
                out.line(tagged(reply.body()), () -> next(index + 1));
            }
        }

        @Override
        public void beginStream() {
            // the whole stream began once, before the first node's pull
        }

        @Override
        public void line(JsonNode line, Runnable written) {
            out.line(tagged(line), written);
        }

        @Override
        public void end() {
            if (ended.compareAndSet(false, true)) {
                next(index + 1);
            }
        }

        @Override
        public void onGone(Runnable r) {
            cancelCurrent = r;
            if (gone) {
                r.run();
            }
        }
    }
}
