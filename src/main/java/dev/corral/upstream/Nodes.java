package dev.corral.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.admission.FairQueue;
import dev.corral.config.Settings;
import dev.corral.config.UpstreamNode;
import dev.corral.net.Transport;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The Ollama nodes of the {@code upstreams} list: each one's connections and slots, its models
 * (GET /api/tags) and loaded models (GET /api/ps) read by a probe of every node at each
 * upstream.health_interval, on a thread of its own (never an event loop), and the routing
 * decision ({@link NodeChoice}) over what is known now. With one Ollama (upstream.url) there are
 * no nodes: the path is what it always was, and {@link UpstreamHealth} probes the one Ollama.
 */
public final class Nodes implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Node> nodes;
    private final ScheduledExecutorService prober;
    private final HttpClient http;

    private Nodes(List<Node> nodes, HttpClient http, ScheduledExecutorService prober) {
        this.nodes = nodes;
        this.http = http;
        this.prober = prober;
    }

    /**
     * The nodes of {@code s.upstreams()}, probed from now on; with none, starts {@code single}'s
     * probes of the one Ollama instead. {@code single} answers /healthz either way.
     */
    public static Nodes start(Settings s, Transport transport, EventLoopGroup group, ByteBufAllocator alloc,
                              UpstreamHealth single) {
        if (s.upstreams().isEmpty()) {
            single.start();
            return new Nodes(List.of(), null, null);
        }
        Settings.Queue q = s.admission().queue();
        List<Node> list = new ArrayList<>();
        for (UpstreamNode n : s.upstreams()) {
            list.add(new Node(n, new UpstreamPool(n.at(), transport, group, alloc), new FairQueue(n.slots(), q.size(), q.perKey())));
        }
        ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "corral-node-probe");
            t.setDaemon(true);
            return t;
        });
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(s.upstream().connectTimeout()).proxy(HttpClient.Builder.NO_PROXY).build();
        Nodes nodes = new Nodes(List.copyOf(list), http, prober);
        long every = s.upstream().healthInterval().toMillis();
        prober.execute(() -> {
            nodes.probeAll();
            single.aggregate(nodes::anyInService); // after the first round: /healthz is right from the first request
        });
        prober.scheduleWithFixedDelay(nodes::probeAll, every, every, TimeUnit.MILLISECONDS);
        return nodes;
    }

    /** Whether requests are routed across nodes (false: the one Ollama at upstream.url). */
    public boolean several() {
        return !nodes.isEmpty();
    }

    public List<Node> all() {
        return nodes;
    }

    /** The node named {@code name}, or null. */
    public Node named(String name) {
        for (Node n : nodes) {
            if (n.name().equals(name)) {
                return n;
            }
        }
        return null;
    }

    public boolean anyInService() {
        for (Node n : nodes) {
            if (n.inService()) {
                return true;
            }
        }
        return false;
    }

    /** What the routing decision chose, and the node (null when refused). */
    public record Routed(Node node, String refusal) {}

    /**
     * The node for a request for {@code modelKey} (a {@link NodeChoice#key}, or null), other than
     * those in {@code tried}.
     */
    public Routed route(String modelKey, Set<Node> tried) {
        List<NodeChoice.View> views = new ArrayList<>(nodes.size());
        Set<Integer> skip = tried.isEmpty() ? Set.of() : new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            views.add(nodes.get(i).view());
            if (tried.contains(nodes.get(i))) {
                skip.add(i);
            }
        }
        NodeChoice.Choice c = NodeChoice.choose(modelKey, views, skip);
        return c.chosen() ? new Routed(nodes.get(c.index()), null) : new Routed(null, c.refusal());
    }

    /** New queue sizes (a reload); each node keeps its own slots. */
    public void resizeQueues(Settings.Queue q) {
        for (Node n : nodes) {
            n.queue().resize(n.config().slots(), q.size(), q.perKey());
        }
    }

    /** One probe of every node, all at once; returns when all have answered or failed. */
    void probeAll() {
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (Node n : nodes) {
            CompletableFuture<Set<String>> tags = names(n, "/api/tags");
            CompletableFuture<Set<String>> ps = names(n, "/api/ps");
            all.add(tags.thenCombine(ps, (t, p) -> {
                n.probePassed(t, p);
                return null;
            }).exceptionally(e -> {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                n.eject("probe failed: " + (cause instanceof java.net.ConnectException ? "connection refused"
                        : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()));
                return null;
            }));
        }
        try {
            CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // each node's failure was handled above; a round that hangs is cut off here
        }
    }

    private CompletableFuture<Set<String>> names(Node n, String path) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + n.config().at().hostHeader() + path))
                .timeout(Duration.ofSeconds(5)).header("User-Agent", "corral-health").GET().build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " answered HTTP " + r.statusCode());
            }
            try {
                Set<String> out = new HashSet<>();
                for (JsonNode m : JSON.readTree(r.body()).path("models")) {
                    String name = m.path("name").asText(m.path("model").asText(""));
                    if (!name.isEmpty()) {
                        out.add(NodeChoice.key(name));
                    }
                }
                return Set.copyOf(out);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("GET " + path + " answered with something that is not JSON");
            }
        });
    }

    @Override
    public void close() {
        if (prober != null) {
            prober.shutdownNow();
        }
        for (Node n : nodes) {
            n.pool().closeAll();
        }
    }
}
