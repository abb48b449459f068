package dev.corral.server;

import dev.corral.config.Settings;
import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.ExchangeListener;
import dev.corral.pipeline.GatewayPath;
import dev.corral.admission.Admission;
import dev.corral.access.ModelPolicy;
import io.netty.buffer.ByteBufAllocator;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every connection of one listener shares: settings, the path, the upstream pool, the listeners. */
final class Gateway {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    final Settings settings;
    final GatewayPath path;
    /** The same route table the path classifies with; CORS preflights ask it which methods a route has. */
    final dev.corral.route.RouteTable routes;
    final UpstreamPool pool;
    final ModelPolicy modelPolicy;
    final UpstreamHealth health;
    final Admission admission;
    final dev.corral.tls.ReloadingTls tls;
    final Cors cors;
    final ByteBufAllocator alloc;
    final Clock clock;
    /** How usage accounting stands, for /healthz. */
    final java.util.function.Supplier<dev.corral.usage.UsageHealth> usageHealth;
    private final List<ExchangeListener> listeners;

    Gateway(Settings settings, dev.corral.route.RouteTable routes, GatewayPath path, UpstreamPool pool, UpstreamHealth health, Admission admission,
            dev.corral.tls.ReloadingTls tls, List<ExchangeListener> listeners, ByteBufAllocator alloc, Clock clock,
            java.util.function.Supplier<dev.corral.usage.UsageHealth> usageHealth) {
        this.usageHealth = usageHealth;
        this.admission = admission;
        this.tls = tls;
        this.cors = new Cors(settings.corsOrigins());
        this.settings = settings;
        this.path = path;
        this.routes = routes;
        this.pool = pool;
        this.health = health;
        this.listeners = List.copyOf(listeners);
        this.alloc = alloc;
        this.clock = clock;
        this.modelPolicy = new ModelPolicy(settings.allowCloudModels());
    }

    /** Step 9, settle: every listener hears of the exchange once; one failing listener does not stop the others. */
    void settle(Exchange exchange) {
        for (ExchangeListener l : listeners) {
            try {
                l.onComplete(exchange);
            } catch (RuntimeException e) {
                log.error("exchange listener {} failed for request {}", l.getClass().getSimpleName(), exchange.requestId(), e);
            }
        }
    }

    static String newRequestId() {
        String hex = Long.toHexString(ThreadLocalRandom.current().nextLong());
        return hex.length() == 16 ? hex : "0".repeat(16 - hex.length()) + hex;
    }
}
