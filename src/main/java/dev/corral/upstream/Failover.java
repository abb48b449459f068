package dev.corral.upstream;

/**
 * Where an {@link UpstreamCall} goes when it could not connect at all, or its connection failed
 * before the request was written whole: another node, since a request Ollama never had whole is
 * safe to send elsewhere (Ollama reads a whole body before it runs anything). Asked only then,
 * never once the request was written (Ollama may have started generating).
 */
public interface Failover {
    /** The next place to send the request, or null to fail it. */
    Next next(Throwable cause);

    /** A node to try: its connections, who hears how it went, and the Host header it accepts. */
    record Next(UpstreamConnections connections, UpstreamReports reports, String hostHeader) {}
}
