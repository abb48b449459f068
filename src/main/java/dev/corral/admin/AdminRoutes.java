package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.route.PathPattern;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin API's route table, versioned under /admin/v1/: method, path pattern (":name" matches
 * one segment), handler. Handlers run on the admin thread and may block on the store.
 */
public final class AdminRoutes {
    /** Answers one admin call. */
    @FunctionalInterface
    public interface Handler {
        Reply handle(AdminCall call) throws Exception;
    }

    /**
     * A JSON answer; or (with a content type) bytes as they are, such as /metrics' text; or one
     * given later ({@link #later}): the handler returns at once, the admin thread stays free, and
     * the answer (whole, or streamed as NDJSON) goes out when it is ready.
     */
    public record Reply(int status, JsonNode body, String contentType, byte[] bytes, Later later) {
        public Reply(int status, JsonNode body) {
            this(status, body, null, null, null);
        }

        public static Reply text(String contentType, byte[] bytes) {
            return new Reply(200, null, contentType, bytes, null);
        }

        public static Reply later(Later later) {
            return new Reply(0, null, null, null, later);
        }

        public static Reply ok(JsonNode body) {
            return new Reply(200, body);
        }

        public static Reply created(JsonNode body) {
            return new Reply(201, body);
        }
    }

    /** Starts an answer that is given after the handler returned, through {@link AdminReplier}. */
    @FunctionalInterface
    public interface Later {
        void start(AdminReplier replier) throws Exception;
    }

    /** What a path and method resolved to: a handler and its path parameters, or why not (404 or 405). */
    record Match(Handler handler, Map<String, String> params, int status) {}

    private record Entry(HttpMethod method, List<String> pattern, Handler handler) {}

    private final List<Entry> entries = new ArrayList<>();

    public AdminRoutes add(HttpMethod method, String pattern, Handler handler) {
        entries.add(new Entry(method, PathPattern.segments(pattern), handler));
        return this;
    }

    /**
     * Calls the route at {@code method} and {@code path} directly, as {@code actor}, with no query
     * and no body: how the console's live stream reads GET /admin/v1/live, the same answer a client
     * gets. An unknown route is an {@link AdminError} (404 or 405).
     */
    public Reply invoke(HttpMethod method, String path, String actor) throws Exception {
        Match m = match(method, path);
        if (m.handler() == null) {
            throw new AdminError(m.status(), "no admin route " + method + " " + path);
        }
        return m.handler().handle(new AdminCall(method.name(), m.params(), Map.of(), new byte[0], actor));
    }

    Match match(HttpMethod method, String path) {
        List<String> segments = PathPattern.segments(path);
        boolean pathKnown = false;
        for (Entry e : entries) {
            Map<String, String> params = new HashMap<>(2);
            if (PathPattern.match(e.pattern(), segments, params)) {
                if (e.method().equals(method)) {
                    return new Match(e.handler(), params, 200);
                }
                pathKnown = true;
            }
        }
        return new Match(null, Map.of(), pathKnown ? 405 : 404);
    }
}
