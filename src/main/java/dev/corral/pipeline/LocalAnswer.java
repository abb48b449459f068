package dev.corral.pipeline;

import java.util.Map;

/**
 * A response Corral gives itself, without Ollama and without being an exchange (no key, no usage
 * record, no access-log line): the health probe, a CORS preflight.
 *
 * @param close the connection closes after it (the request's body was not read)
 */
public record LocalAnswer(int status, Map<String, String> headers, byte[] body, boolean close) {}
