package dev.corral.pipeline;

import dev.corral.store.Scope;
import dev.corral.route.RouteClass;

/** Stage 5: the principal's scopes against the route's class. */
public final class Authorize implements Stage {

    @Override
    public Refusal apply(Exchange exchange) {
        RouteClass needed = exchange.route().routeClass();
        for (Scope s : exchange.principal().scopes()) {
            if (s.allows(needed)) {
                return null;
            }
        }
        return Refusal.of(RefusalKind.FORBIDDEN, "scope",
                "this key may not use " + needed.name().toLowerCase(java.util.Locale.ROOT) + " routes");
    }
}
