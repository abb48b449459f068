package dev.corral.upstream;

/** Hears how each call to an Ollama went: the one Ollama's {@link UpstreamHealth}, or one {@link Node} of several. */
public interface UpstreamReports {
    /** Ollama answered with a final response head of this status. */
    void answered(int status);

    /** No connection could be made (nothing was sent). */
    void unreachable(Throwable cause);
}
