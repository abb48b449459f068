package dev.corral.pipeline;

import dev.corral.refusal.RefusalKind;
import dev.corral.refusal.Refusal;
import dev.corral.store.Scope;
import dev.corral.route.RouteClass;

/** the principal's scopes against the route's class. */
public final class Authorize implements Step {

    @Override
    public Decision apply(Exchange exchange) {
        RouteClass needed = exchange.route().routeClass();
        for (Scope s : exchange.principal().scopes()) {
            if (s.allows(needed)) {
                return Decision.CONTINUE;
            }
        }
        return Decision.refuse(Refusal.of(RefusalKind.FORBIDDEN, "scope",
                "this key may not use " + needed.name().toLowerCase(java.util.Locale.ROOT) + " routes"));
    }
}
