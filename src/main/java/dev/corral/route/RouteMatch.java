package dev.corral.route;

import java.util.Map;

/**
 * The outcome of classifying a request: a route, or why there is none.
 *
 * @param path   the decoded path that was classified; this exact path is what Corral forwards
 * @param params path parameters, decoded
 */
public record RouteMatch(Kind kind, Route route, String path, Map<String, String> params, String reason) {

    public enum Kind {
        FOUND,
        /** No route has this path (or the route is not served on this listener). */
        NOT_FOUND,
        /** The path exists with other methods. */
        METHOD_NOT_ALLOWED,
        /** The request target cannot be read (bad escape, control byte, not origin-form). */
        BAD_TARGET
    }

    public boolean found() {
        return kind == Kind.FOUND;
    }

    /** The dialect to refuse in: the route's, else guessed from the path so OpenAI clients get OpenAI errors. */
    public Dialect dialect() {
        if (route != null) {
            return route.dialect();
        }
        return RouteTable.dialectFor(path == null ? "" : path);
    }
}
