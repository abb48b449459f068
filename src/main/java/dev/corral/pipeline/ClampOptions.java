package dev.corral.pipeline;

import dev.corral.access.OptionDecision;
import dev.corral.access.OptionPolicy;
import dev.corral.config.OptionSettings;
import dev.corral.route.Route;
import dev.corral.route.RouteClass;

/**
 * Holds an inference request's options to the key's rules ({@link OptionPolicy} decides): refuses
 * what the key may not use, and records the rewrites of the fields concerned (runner options pinned
 * or removed, num_ctx, completion bound and keep_alive within range) for {@link RewriteBody}, with
 * what changed for the client's X-Corral-Clamped header. Never silent, never a second parser: it
 * reads what Inspect decoded.
 */
public final class ClampOptions implements Step {
    /** The response header that says what Corral changed in the request. */
    public static final String HEADER = "X-Corral-Clamped";

    private final OptionSettings options;

    public ClampOptions(OptionSettings options) {
        this.options = options;
    }

    @Override
    public Decision apply(Exchange ex) {
        Route route = ex.route();
        if (route == null || route.routeClass() != RouteClass.INFERENCE || ex.parsed() == null) {
            return Decision.CONTINUE;
        }
        OptionDecision d = OptionPolicy.decide(route.shape(), ex.parsed().values(),
                options.rulesFor(ex.principal().name()), options.runner());
        if (d.refusal() != null) {
            return Decision.refuse(d.refusal());
        }
        for (String field : d.replace()) {
            String value = d.append().get(field);
            if (value == null) {
                ex.edits().remove(field);
            } else {
                ex.edits().replace(field, value);
            }
        }
        ex.maxTokens(d.maxTokens());
        ex.clamped(d.header());
        return Decision.CONTINUE;
    }
}
