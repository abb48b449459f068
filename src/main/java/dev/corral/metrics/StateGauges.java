package dev.corral.metrics;

import dev.corral.admission.AdmissionControl;
import dev.corral.admission.FairQueue;
import dev.corral.audit.AuditLog;
import dev.corral.upstream.UpstreamHealth;
import dev.corral.usage.UsageRecorder;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Gauges read when Prometheus scrapes, from the objects that hold the state: requests in flight
 * per key, the fair queue, whether Ollama answers, usage records waiting for the store, the audit
 * log's head, and the listener's buffer pool (Micrometer's Netty binder). Nothing here runs per request.
 */
final class StateGauges {

    /** What the gauges read. */
    record Sources(AdmissionControl admission, UsageRecorder usage, UpstreamHealth upstream, AuditLog audit,
                   PooledByteBufAllocator allocator) {}

    private final MeterRegistry registry;
    private final AdmissionControl admission;
    private final LabelCap keyCap;
    private final MultiGauge inFlight;

    StateGauges(MeterRegistry registry, Sources s, LabelCap keyCap) {
        this.registry = registry;
        this.admission = s.admission();
        this.keyCap = keyCap;
        this.inFlight = MultiGauge.builder("corral.inflight.requests")
                .description("Inference requests in flight per key (keys with an in-flight limit)").register(registry);
        FairQueue q = s.admission().queue();
        gauge("corral.queue.waiting", "Requests waiting in the fair queue for one of Ollama's slots", q, FairQueue::waiting);
        gauge("corral.queue.in_use", "Ollama's slots in use (requests forwarded and not yet finished)", q, FairQueue::inUse);
        gauge("corral.queue.capacity", "Ollama's slots (admission.upstream_concurrency)", q, FairQueue::capacity);
        gauge("corral.upstream.up", "1 when Ollama answered the last probe or request, 0 when it did not", s.upstream(),
                u -> u.reachable() ? 1 : 0);
        gauge("corral.limits.shared.degraded", "1 while shared limits (limits.shared) cannot reach Redis and each"
                + " instance enforces its share (or refuses), else 0", s.admission(), a -> a.limitsDegraded() == null ? 0 : 1);
        gauge("corral.usage.records.waiting", "Usage records made but not yet in the store", s.usage(),
                UsageRecorder::waiting);
        gauge("corral.audit.head.seq", "Sequence number of the audit log's last entry", s.audit(), a -> a.head().seq());
        // netty_allocator_memory_used_bytes{memory_type="direct"} is GatewayServer.usedDirectMemory().
        new NettyAllocatorMetrics(s.allocator()).bindTo(registry);
    }

    private <T> void gauge(String name, String description, T source, java.util.function.ToDoubleFunction<T> read) {
        Gauge.builder(name, source, read).description(description).strongReference(true).register(registry);
    }

    /**
     * Rereads requests in flight per key before a scrape. Keys over the cap are added up under
     * "other", so the series stay bounded however many keys there are.
     */
    synchronized void refresh() {
        Map<String, Integer> byLabel = new TreeMap<>();
        for (Map.Entry<String, Integer> e : admission.inFlightByKey().entrySet()) {
            byLabel.merge(keyCap.apply(e.getKey()), e.getValue(), Integer::sum);
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>(byLabel.size());
        byLabel.forEach((key, n) -> rows.add(MultiGauge.Row.of(Tags.of("key_id", key), n)));
        inFlight.register(rows, true);
    }
}
