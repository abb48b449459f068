package dev.corral.store;

import java.time.Instant;

/**
 * One request as accounting sees it. Metadata only: there is no field for a prompt or a completion.
 *
 * @param promptTokens     -1 when Ollama reported none
 * @param completionTokens -1 when Ollama reported none
 */
public record UsageRecord(Instant time, String requestId, String keyId, String route, String model, int status,
                          String outcome, long promptTokens, long completionTokens, long durationMs, long bytesIn,
                          long bytesOut) {
}
