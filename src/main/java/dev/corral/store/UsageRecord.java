package dev.corral.store;

import java.time.Instant;

/**
 * One request as accounting sees it. Metadata only: there is no field for a prompt or a completion.
 *
 * @param promptTokens     -1 when Ollama reported none
 * @param completionTokens -1 when Ollama reported none
 * @param auth             how the caller signed in (key, ssh, basic, jwt, cert), or null when not known
 */
public record UsageRecord(Instant time, String requestId, String keyId, String route, String model, int status,
                          String outcome, long promptTokens, long completionTokens, long durationMs, long bytesIn,
                          long bytesOut, String auth) {

    /** A record that does not say how the caller signed in (an interrupted one, or from before Corral said). */
    public UsageRecord(Instant time, String requestId, String keyId, String route, String model, int status, String outcome,
                       long promptTokens, long completionTokens, long durationMs, long bytesIn, long bytesOut) {
        this(time, requestId, keyId, route, model, status, outcome, promptTokens, completionTokens, durationMs, bytesIn,
                bytesOut, null);
    }
}
