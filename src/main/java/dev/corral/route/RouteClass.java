package dev.corral.route;

/** What a route does to the Ollama host; the class decides everything after classification. */
public enum RouteClass {
    /** Reads: version, model lists, model details, loaded models. */
    META,
    /** Runs a model: generation, chat, embeddings, transcription. */
    INFERENCE,
    /** Changes the model store: pull, push, create, copy, delete, blob upload. */
    ADMIN,
    /** Acts on, or spends, the Ollama owner's ollama.com account. */
    ACCOUNT
}
