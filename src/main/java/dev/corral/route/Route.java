package dev.corral.route;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Set;

/**
 * One route of Ollama's HTTP API: methods, a path pattern whose ":name" segments match one path
 * segment, and what Corral needs to know about it.
 *
 * @param shape      for a JSON body: the Go struct Ollama decodes it into and what Corral reads from it
 * @param modelParam name of the path parameter that is a model name (/v1/models/:model), or null
 * @param listing    the response lists models and is filtered for keys with a model allowlist
 * @param disclosure what of the response a key's disclosure policy may cut down to a summary
 */
public record Route(String name, Set<HttpMethod> methods, String pattern, RouteClass routeClass, Dialect dialect,
                    BodyKind body, RequestShape shape, String modelParam, Listing listing, Disclosure disclosure) {

    /** What a response discloses beyond what a client needs to run a model (policy.key_options' show and ps). */
    public enum Disclosure {
        NONE,
        /** /api/show: the modelfile, template, licence, parameters and model_info. */
        MODEL_DETAILS,
        /** /api/ps: VRAM use and when each model is unloaded. */
        RUNNING_MODELS
    }

    /** This route, its response's disclosure governed as {@code d}. */
    public Route withDisclosure(Disclosure d) {
        return new Route(name, methods, pattern, routeClass, dialect, body, shape, modelParam, listing, d);
    }

    /** How a model-listing response names its models. */
    public enum Listing {
        NONE,
        /** {"models": [{"name": ..., "model": ...}]} — /api/tags, /api/ps. */
        OLLAMA_MODELS,
        /** {"data": [{"id": ...}]} — /v1/models. */
        OPENAI_DATA
    }

    /** Where a streamed answer's token counts come from; {@code ALWAYS} for routes without a JSON body. */
    public RequestShape.StreamUsage streamUsage() {
        return shape == null ? RequestShape.StreamUsage.ALWAYS : shape.usage();
    }

    /** Whether answers on this route hold completion tokens (embeddings do not). */
    public boolean producesCompletion() {
        return shape == null || shape.completionLimit().source() != RequestShape.CompletionLimit.Source.NONE;
    }

    public List<String> segments() {
        return PathPattern.segments(pattern);
    }
}
