package dev.corral.pipeline;

import java.util.Locale;

/** How an exchange ended; one per request, recorded in usage and the access log. */
public enum Outcome {
    /** Ollama answered and the whole answer reached the client. */
    COMPLETED,
    /** Corral refused it; Ollama never saw it. */
    REFUSED,
    /** The client went away before the answer was complete (recorded as status 499). */
    CLIENT_GONE,
    /** Ollama could not be reached, or its connection broke. */
    UPSTREAM_ERROR,
    /** Ollama did not answer in time. */
    UPSTREAM_TIMEOUT,
    /** A bug in Corral; logged with its trace. */
    INTERNAL_ERROR;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
