package dev.corral.metrics;

import dev.corral.admission.AdmissionControl;
import dev.corral.audit.AuditLog;
import dev.corral.pipeline.ExchangeListener;
import dev.corral.upstream.UpstreamHealth;
import dev.corral.usage.UsageRecorder;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * A running server's metrics: one Micrometer registry that Prometheus scrapes (admin listener, GET
 * /metrics), fed by the {@link ExchangeMetrics} settle listener, the {@link StateGauges} and
 * Micrometer's JVM binders (memory, garbage collection, threads, CPU, uptime; all but garbage
 * collection bound at the first scrape). Micrometer writes the
 * exposition format; Corral has no exposition code of its own.
 */
public final class Metrics implements AutoCloseable {
    /** The Prometheus text exposition format, version 0.0.4, which {@link PrometheusMeterRegistry#scrape()} writes. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final ExchangeMetrics exchanges;
    private volatile StateGauges gauges;
    private boolean jvmGaugesBound; // guarded by this

    public Metrics() {
        // Micrometer's Netty binder tags its meters with the allocator's identity hash, a new value at
        // every start (a new series each restart); there is one allocator here, so name it instead.
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith("netty.allocator.")
                        ? id.replaceTags(Tags.of(id.getTagsAsIterable()).and("id", "gateway")) : id;
            }
        });
        // Meters only after the filter: Micrometer warns at each start about a filter added after a meter.
        exchanges = new ExchangeMetrics(registry);
        gc.bindTo(registry); // counts pauses and allocation as they happen: from the start
    }

    /**
     * Micrometer's other JVM binders (memory, threads, CPU, uptime) only read the JVM when scraped,
     * so they are bound at the first scrape rather than at start, where they took ~35 ms of CPU on
     * one core before the listener opened; every scrape shows them all the same.
     */
    private synchronized void bindJvmGauges() {
        if (jvmGaugesBound) {
            return;
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        jvmGaugesBound = true;
    }

    /** The settle listener that counts each finished exchange; add it to the request path. */
    public ExchangeListener exchanges() {
        return exchanges;
    }

    /** Registers the gauges that read the server's state at scrape time; once, when those parts exist. */
    public void watch(AdmissionControl admission, UsageRecorder usage, UpstreamHealth upstream, AuditLog audit,
                      PooledByteBufAllocator allocator) {
        gauges = new StateGauges(registry, new StateGauges.Sources(admission, usage, upstream, audit, allocator),
                exchanges.keyCap());
    }

    /** Exports how many pinned models differ from their pin now (corral_model_pin_drifted). */
    public void watchPins(java.util.function.IntSupplier drifted) {
        io.micrometer.core.instrument.Gauge.builder("corral.model.pin.drifted", drifted::getAsInt)
                .description("pinned models whose digest at Ollama is not their pin (policy.pins)").register(registry);
    }

    /** Exports each Ollama node's state, tagged node (none with one Ollama). */
    public void watchNodes(dev.corral.upstream.Nodes nodes) {
        NodeMeters.bind(registry, nodes);
    }

    /** Everything, in the Prometheus text format ({@link #CONTENT_TYPE}). */
    public String scrape() {
        bindJvmGauges();
        StateGauges g = gauges;
        if (g != null) {
            g.refresh();
        }
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
