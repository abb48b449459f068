package dev.corral.route;

import static dev.corral.route.BodyKind.JSON;
import static dev.corral.route.BodyKind.JSON_MODEL;
import static dev.corral.route.BodyKind.MULTIPART_MODEL;
import static dev.corral.route.BodyKind.NONE;
import static dev.corral.route.BodyKind.OPAQUE;
import static dev.corral.route.RouteClass.ACCOUNT;
import static dev.corral.route.RouteClass.ADMIN;
import static dev.corral.route.RouteClass.INFERENCE;
import static dev.corral.route.RouteClass.META;

import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The table of Ollama's real routes (Ollama's server/routes.go) and the classifier that
 * reads a request target the way Ollama's router does: percent-decoded path, exact and
 * case-sensitive segments, no cleaning of "." or "..". Anything not in the table does not exist
 * upstream and is refused.
 */
public final class RouteTable {
    private static final HttpMethod[] GET_HEAD = {HttpMethod.GET, HttpMethod.HEAD};

    private final List<Route> routes;
    /** Each route's pattern split into segments, in the order of {@link #routes} (split once, not per request). */
    private final List<List<String>> patterns;

    public RouteTable(List<Route> routes) {
        this.routes = List.copyOf(routes);
        List<List<String>> p = new ArrayList<>(routes.size());
        for (Route r : this.routes) {
            p.add(List.copyOf(r.segments()));
        }
        this.patterns = p;
    }

    /** Ollama's routes as of the August 2026 snapshot. */
    public static RouteTable ollama() {
        List<Route> r = new ArrayList<>();
        // meta
        r.add(route("root", "/", META, NONE, GET_HEAD));
        r.add(route("version", "/api/version", META, NONE, GET_HEAD));
        r.add(route("status", "/api/status", META, NONE, HttpMethod.GET));
        r.add(listing("tags", "/api/tags", Route.Listing.OLLAMA_MODELS, GET_HEAD));
        r.add(json("show", "/api/show", META, OllamaRequests.SHOW, HttpMethod.POST).withDisclosure(Route.Disclosure.MODEL_DETAILS));
        r.add(listing("ps", "/api/ps", Route.Listing.OLLAMA_MODELS, HttpMethod.GET).withDisclosure(Route.Disclosure.RUNNING_MODELS));
        r.add(route("blob_head", "/api/blobs/:digest", META, NONE, HttpMethod.HEAD));
        r.add(listing("openai_models", "/v1/models", Route.Listing.OPENAI_DATA, HttpMethod.GET));
        r.add(new Route("openai_model", Set.of(HttpMethod.GET), "/v1/models/:model", META, Dialect.OPENAI, NONE, null,
                "model", Route.Listing.NONE, Route.Disclosure.NONE));
        r.add(route("model_recommendations", "/api/experimental/model-recommendations", META, NONE, HttpMethod.GET));
        // inference
        r.add(json("generate", "/api/generate", INFERENCE, OllamaRequests.GENERATE, HttpMethod.POST));
        r.add(json("chat", "/api/chat", INFERENCE, OllamaRequests.CHAT, HttpMethod.POST));
        r.add(json("embed", "/api/embed", INFERENCE, OllamaRequests.EMBED, HttpMethod.POST));
        r.add(json("embeddings", "/api/embeddings", INFERENCE, OllamaRequests.EMBEDDINGS, HttpMethod.POST));
        r.add(json("openai_chat", "/v1/chat/completions", INFERENCE, OllamaRequests.OPENAI_CHAT, HttpMethod.POST));
        r.add(json("openai_completions", "/v1/completions", INFERENCE, OllamaRequests.OPENAI_COMPLETIONS, HttpMethod.POST));
        r.add(json("openai_embeddings", "/v1/embeddings", INFERENCE, OllamaRequests.OPENAI_EMBEDDINGS, HttpMethod.POST));
        r.add(json("openai_responses", "/v1/responses", INFERENCE, OllamaRequests.OPENAI_RESPONSES, HttpMethod.POST));
        r.add(json("anthropic_messages", "/v1/messages", INFERENCE, OllamaRequests.ANTHROPIC_MESSAGES, HttpMethod.POST));
        r.add(route("openai_transcriptions", "/v1/audio/transcriptions", INFERENCE, MULTIPART_MODEL, HttpMethod.POST));
        // admin: change the model store
        r.add(json("pull", "/api/pull", ADMIN, OllamaRequests.PULL, HttpMethod.POST));
        r.add(json("push", "/api/push", ADMIN, OllamaRequests.PUSH, HttpMethod.POST));
        r.add(json("create", "/api/create", ADMIN, OllamaRequests.CREATE, HttpMethod.POST));
        r.add(json("delete", "/api/delete", ADMIN, OllamaRequests.DELETE, HttpMethod.DELETE));
        r.add(route("copy", "/api/copy", ADMIN, JSON, HttpMethod.POST));
        r.add(route("blob_upload", "/api/blobs/:digest", ADMIN, OPAQUE, HttpMethod.POST));
        // account: the owner's ollama.com account
        r.add(route("me", "/api/me", ACCOUNT, JSON, HttpMethod.POST));
        r.add(route("signout", "/api/signout", ACCOUNT, JSON, HttpMethod.POST));
        r.add(route("user_key_delete", "/api/user/keys/:key", ACCOUNT, NONE, HttpMethod.DELETE));
        r.add(route("web_search", "/api/experimental/web_search", ACCOUNT, JSON, HttpMethod.POST));
        r.add(route("web_fetch", "/api/experimental/web_fetch", ACCOUNT, JSON, HttpMethod.POST));
        return new RouteTable(r);
    }

    public List<Route> routes() {
        return routes;
    }

    /**
     * Classifies a raw request target.
     *
     * @param served the route classes this listener serves; routes of other classes answer as if
     *               they did not exist (404), whatever the credentials
     */
    public RouteMatch classify(HttpMethod method, String rawPath, Set<RouteClass> served) {
        String path;
        try {
            path = decodePath(rawPath);
        } catch (IllegalArgumentException e) {
            return new RouteMatch(RouteMatch.Kind.BAD_TARGET, null, null, Map.of(), e.getMessage());
        }
        List<String> segments = PathPattern.segments(path);
        boolean pathServed = false;
        for (int i = 0; i < routes.size(); i++) {
            Route route = routes.get(i);
            List<String> pattern = patterns.get(i);
            if (!PathPattern.matches(pattern, segments)) {
                continue;
            }
            boolean methodMatches = route.methods().contains(method);
            if (!served.contains(route.routeClass())) {
                if (methodMatches) {
                    // The route exists upstream but not on this listener: as if it did not exist.
                    return new RouteMatch(RouteMatch.Kind.NOT_FOUND, null, path, Map.of(), "route not served here");
                }
                continue;
            }
            if (methodMatches) {
                Map<String, String> params = new HashMap<>(2);
                PathPattern.match(pattern, segments, params);
                return new RouteMatch(RouteMatch.Kind.FOUND, route, path, params.isEmpty() ? Map.of() : Map.copyOf(params), null);
            }
            pathServed = true;
        }
        if (pathServed) {
            return new RouteMatch(RouteMatch.Kind.METHOD_NOT_ALLOWED, null, path, Map.of(),
                    method.name() + " is not allowed on " + path);
        }
        return new RouteMatch(RouteMatch.Kind.NOT_FOUND, null, path, Map.of(), "no route " + path);
    }

    /**
     * Percent-decodes an origin-form path as Go's url.ParseRequestURI does for Ollama (so "%2F"
     * becomes "/" and "%2e%2e" becomes ".."), and refuses what Go refuses or what has no business in
     * a path: bad escapes, invalid UTF-8, control bytes, anything not starting with "/".
     */
    static String decodePath(String raw) {
        if (raw.isEmpty() || raw.charAt(0) != '/') {
            throw new IllegalArgumentException("request target must be a path starting with '/'");
        }
        if (plain(raw)) {
            return raw; // no escapes, only printable ASCII: decoded, it is itself
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char ch = raw.charAt(i);
            if (ch == '%') {
                if (i + 2 >= raw.length()) {
                    throw new IllegalArgumentException("invalid URL escape at the end of the path");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("invalid URL escape \"" + raw.substring(i, i + 3) + "\"");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (ch > 0x7e || ch < 0x21) {
                throw new IllegalArgumentException("path holds a byte that must be percent-encoded");
            } else {
                out.write(ch);
            }
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("path is not valid UTF-8");
        }
        for (int i = 0; i < decoded.length(); i++) {
            char ch = decoded.charAt(i);
            if (ch < 0x20 || ch == 0x7f) {
                throw new IllegalArgumentException("path holds a control character");
            }
        }
        return decoded;
    }

    /** Printable ASCII (0x21 to 0x7e) without '%'. */
    private static boolean plain(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char ch = raw.charAt(i);
            if (ch == '%' || ch > 0x7e || ch < 0x21) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code c} goes into an encoded path as itself. */
    private static boolean unescaped(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "/-._~!$&'()*+,;=:@".indexOf(c) >= 0;
    }

    /** Re-encodes a decoded path for the upstream request line; Ollama decodes it back to the same path. */
    public static String encodePath(String decoded) {
        boolean same = true;
        for (int i = 0; i < decoded.length() && same; i++) {
            same = unescaped(decoded.charAt(i));
        }
        if (same) {
            return decoded;
        }
        byte[] bytes = decoded.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (unescaped(c)) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    static Dialect dialectFor(String path) {
        if (path.equals("/v1/messages") || path.startsWith("/v1/messages/")) {
            return Dialect.ANTHROPIC;
        }
        return path.startsWith("/v1/") ? Dialect.OPENAI : Dialect.OLLAMA;
    }

    private static Route route(String name, String pattern, RouteClass cls, BodyKind body, HttpMethod... methods) {
        return new Route(name, Set.of(methods), pattern, cls, dialectFor(pattern), body, null, null, Route.Listing.NONE, Route.Disclosure.NONE);
    }

    private static Route json(String name, String pattern, RouteClass cls, RequestShape shape, HttpMethod... methods) {
        return new Route(name, Set.of(methods), pattern, cls, dialectFor(pattern), JSON_MODEL, shape, null, Route.Listing.NONE, Route.Disclosure.NONE);
    }

    private static Route listing(String name, String pattern, Route.Listing listing, HttpMethod... methods) {
        return new Route(name, Set.of(methods), pattern, META, dialectFor(pattern), NONE, null, null, listing, Route.Disclosure.NONE);
    }

    /** The classes served on the public listener: admin and account routes are never reachable there. */
    public static Set<RouteClass> publicClasses() {
        return EnumSet.of(META, INFERENCE);
    }
}
