package dev.corral.route;

/** What a route's request body is, and so how the inspect step reads it. */
public enum BodyKind {
    /** No body expected (GET, HEAD, DELETE). */
    NONE,
    /** A JSON object naming a model. */
    JSON_MODEL,
    /** A JSON object without a model (Ollama's account and web routes). */
    JSON,
    /** multipart/form-data with a "model" field. */
    MULTIPART_MODEL,
    /** Opaque bytes (blob upload). */
    OPAQUE
}
