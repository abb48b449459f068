package dev.corral.pipeline;

import dev.corral.refusal.RefusalKind;
import dev.corral.refusal.Refusal;
import dev.corral.route.RouteClass;
import dev.corral.route.RouteMatch;
import dev.corral.route.RouteTable;
import java.util.Set;

/**
 * which of Ollama's routes this is. Unknown paths, and routes whose class this listener
 * does not serve (admin, account), answer 404 before any credential is looked at; a known path with
 * the wrong method answers 405.
 */
public final class Classify implements Step {
    private final RouteTable table;
    private final Set<RouteClass> served;

    public Classify(RouteTable table, Set<RouteClass> served) {
        this.table = table;
        this.served = served;
    }

    @Override
    public Decision apply(Exchange exchange) {
        String uri = exchange.request().uri();
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        if (q >= 0 && !validQuery(uri, q + 1)) {
            exchange.match(new RouteMatch(RouteMatch.Kind.BAD_TARGET, null, null, java.util.Map.of(), "bad query"));
            return Decision.refuse(Refusal.of(RefusalKind.BAD_REQUEST, "bad_target", "the query string holds a byte that must be percent-encoded"));
        }
        RouteMatch match = table.classify(exchange.request().method(), rawPath, served);
        exchange.match(match);
        return switch (match.kind()) {
            case FOUND -> Decision.CONTINUE;
            case NOT_FOUND -> Decision.refuse(Refusal.of(RefusalKind.NOT_FOUND, "no_route", "404 page not found"));
            case METHOD_NOT_ALLOWED -> Decision.refuse(Refusal.of(RefusalKind.METHOD_NOT_ALLOWED, "method_not_allowed",
                    "405 method not allowed"));
            // A target that cannot be read is a malformed request: answer, then close.
            case BAD_TARGET -> Decision.refuse(Refusal.of(RefusalKind.BAD_REQUEST, "bad_target", "invalid request target: "
                    + match.reason()).closing());
        };
    }

    private static boolean validQuery(String uri, int from) {
        for (int i = from; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '#') {
                return false;
            }
        }
        return true;
    }
}
