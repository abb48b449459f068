package dev.corral.route;

/** The API family a client speaks on a route; refusals are written in it. */
public enum Dialect {
    OLLAMA,
    OPENAI,
    ANTHROPIC
}
