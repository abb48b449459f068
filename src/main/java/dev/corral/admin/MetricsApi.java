package dev.corral.admin;

import dev.corral.metrics.Metrics;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;

/**
 * GET /metrics: the server's metrics in the Prometheus text format, for a Prometheus that scrapes
 * the admin listener. Never on the public port: the public listener's route table has no such
 * path, and it answers 404 there.
 */
public final class MetricsApi {
    private final Metrics metrics;

    public MetricsApi(Metrics metrics) {
        this.metrics = metrics;
    }

    public void register(AdminRoutes routes) {
        routes.add(HttpMethod.GET, "/metrics", this::scrape);
    }

    private AdminRoutes.Reply scrape(AdminCall call) {
        return AdminRoutes.Reply.text(Metrics.CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8));
    }
}
