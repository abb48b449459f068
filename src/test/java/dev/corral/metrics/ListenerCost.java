package dev.corral.metrics;

import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.Outcome;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Not a test: bench/metrics.sh runs this to measure what the metrics listener costs per finished
 * exchange, in this thread's CPU time (which other processes on the machine do not inflate, unlike
 * wall-clock rates). The exchanges are a mix like a busy server's: 50 keys, 4 models, 3 inference
 * routes, some refusals and errors. Prints the least nanoseconds per call over several rounds.
 */
public final class ListenerCost {
    private ListenerCost() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000;
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ExchangeMetrics metrics = new ExchangeMetrics(registry);
        List<Exchange> mix = new ArrayList<>();
        String[] routes = {"/api/chat", "/api/generate", "/v1/chat/completions"};
        String[] models = {"llama3.2:3b", "qwen2.5:7b", "mistral:7b", "gemma3:4b"};
        for (int k = 0; k < 50; k++) {
            String key = String.format("key%09d", k);
            for (int i = 0; i < 4; i++) {
                mix.add(ExchangeMetricsTest.exchange(routes[(k + i) % 3], key, models[i], Outcome.COMPLETED, 200, null,
                        20 + k, 100 + i));
            }
        }
        for (int i = 0; i < 20; i++) {
            mix.add(ExchangeMetricsTest.exchange("/api/chat", null, null, Outcome.REFUSED, 401, "auth_unknown", -1, -1));
        }
        mix.add(ExchangeMetricsTest.exchange("/api/chat", "key000000001", "llama3.2:3b", Outcome.CLIENT_GONE, 499,
                "client_closed", -1, -1));
        mix.add(ExchangeMetricsTest.exchange("/api/tags", "key000000001", null, Outcome.COMPLETED, 200, null, -1, -1));
        Exchange[] all = mix.toArray(new Exchange[0]);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        long bytes = Long.MAX_VALUE;
        for (int r = 0; r < rounds + 2; r++) { // the first two rounds warm the JIT up
            long cpu = threads.getCurrentThreadCpuTime();
            long alloc = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < perRound; i++) {
                metrics.onComplete(all[i % all.length]);
            }
            long used = threads.getCurrentThreadCpuTime() - cpu;
            if (r >= 2) {
                best = Math.min(best, used);
                bytes = Math.min(bytes, threads.getCurrentThreadAllocatedBytes() - alloc);
            }
        }
        System.out.printf("%.1f %.2f%n", best / (double) perRound, bytes / (double) perRound);
    }
}
