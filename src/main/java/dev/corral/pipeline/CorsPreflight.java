package dev.corral.pipeline;

import dev.corral.route.RouteClass;
import dev.corral.route.RouteMatch;
import dev.corral.route.RouteTable;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * CORS, deny by default: only origins listed in cors_origins get a preflight answer (for a route
 * that exists) and an Access-Control-Allow-Origin on responses; any other origin gets neither, so
 * browsers refuse to hand pages the answer. Other preflights go down the normal path, where
 * OPTIONS is no route's method: 405, and no CORS headers.
 */
public final class CorsPreflight implements Step {
    private final List<String> allowed;
    private final RouteTable routes;
    private final Set<RouteClass> served;

    public CorsPreflight(List<String> allowed, RouteTable routes, Set<RouteClass> served) {
        this.allowed = allowed;
        this.routes = routes;
        this.served = served;
    }

    @Override
    public Decision apply(Exchange ex) {
        if (allowed.isEmpty()) {
            return Decision.CONTINUE;
        }
        HttpRequest req = ex.request();
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null || !allowed.contains(origin.trim().toLowerCase(Locale.ROOT))) {
            return Decision.CONTINUE;
        }
        ex.corsOrigin(origin.trim());
        String asked = req.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
        if (!req.method().equals(HttpMethod.OPTIONS) || asked == null) {
            return Decision.CONTINUE;
        }
        RouteMatch m;
        try {
            int q = req.uri().indexOf('?');
            m = routes.classify(HttpMethod.valueOf(asked.trim()), q < 0 ? req.uri() : req.uri().substring(0, q), served);
        } catch (IllegalArgumentException e) {
            return Decision.CONTINUE;
        }
        if (!m.found()) {
            return Decision.CONTINUE;
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Access-Control-Allow-Origin", ex.corsOrigin());
        h.put("Access-Control-Allow-Methods", m.route().methods().stream().map(HttpMethod::name).sorted()
                .collect(Collectors.joining(", ")));
        h.put("Access-Control-Allow-Headers", "Authorization, Content-Type, x-api-key");
        h.put("Access-Control-Max-Age", "600");
        h.put("Vary", "Origin");
        return Decision.answer(new LocalAnswer(204, h, new byte[0], false));
    }
}
