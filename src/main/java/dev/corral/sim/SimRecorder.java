package dev.corral.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the simulator saw, for tests and for `GET /__sim/stats`: every request (method, path,
 * headers), every stream a client cancelled, every generation's true token counts, bytes written.
 */
public final class SimRecorder {

    /** One request as received. Headers are kept so tests can check what a gateway forwarded. */
    public record Request(String id, String method, String uri, Map<String, List<String>> headers, int bodyBytes) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().isEmpty() ? null : e.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** A generation that ran to its end (or was cut): the counts it reported, or would have. */
    public record Generation(String requestId, String path, String model, int promptTokens, int completionTokens,
                             int tokensSent, boolean cancelled) {}

    /** The options and keep_alive an inference request reached the model with (null when it had none). */
    public record Options(String requestId, String path, String model, com.fasterxml.jackson.databind.JsonNode options,
                          com.fasterxml.jackson.databind.JsonNode keepAlive) {}

    private final List<Request> requests = new ArrayList<>();
    private final List<Options> options = new ArrayList<>();
    private final AtomicLong loads = new AtomicLong();
    private final AtomicLong reloads = new AtomicLong();
    private final List<Generation> generations = new ArrayList<>();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();

    synchronized void request(Request r) {
        requests.add(r);
    }

    synchronized void generation(Generation g) {
        generations.add(g);
        notifyAll();
    }

    synchronized void options(Options o) {
        options.add(o);
    }

    void loaded() {
        loads.incrementAndGet();
    }

    void reloaded() {
        reloads.incrementAndGet();
    }

    /** The options each inference request arrived with, in order. */
    public synchronized List<Options> options() {
        return List.copyOf(options);
    }

    /** Models loaded where none was (the first request, or after an unload). */
    public long loads() {
        return loads.get();
    }

    /** Reloads Ollama's scheduler would have done: a request's runner options differed from the loaded model's. */
    public long reloads() {
        return reloads.get();
    }

    void connected() {
        connections.incrementAndGet();
    }

    /** TCP connections accepted so far (a pooling client opens few). */
    public long connections() {
        return connections.get();
    }

    void wrote(long n) {
        bytesWritten.addAndGet(n);
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    public synchronized List<Generation> generations() {
        return List.copyOf(generations);
    }

    public synchronized List<Generation> cancellations() {
        return generations.stream().filter(Generation::cancelled).toList();
    }

    public long bytesWritten() {
        return bytesWritten.get();
    }

    public synchronized void clear() {
        requests.clear();
        options.clear();
        loads.set(0);
        reloads.set(0);
        generations.clear();
        bytesWritten.set(0);
        connections.set(0);
    }
}
