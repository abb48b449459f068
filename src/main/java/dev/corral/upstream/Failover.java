package dev.corral.upstream;

/**
 * Where an {@link UpstreamCall} goes when it could not connect at all: another node, since a
 * request that was never sent anywhere is safe to send elsewhere. Asked only then, never once a
 * connection to Ollama was made (bytes may have reached it, and it may have started generating).
 */
public interface Failover {
    /** The next place to send the request, or null to fail it. */
    Next next(Throwable cause);

    /** A node to try: its connections, who hears how it went, and the Host header it accepts. */
    record Next(UpstreamConnections connections, UpstreamReports reports, String hostHeader) {}
}
