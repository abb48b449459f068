package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How a {@link AdminRoutes.Later} answer reaches its caller, from any thread: one whole reply, or a
 * 200 stream of NDJSON lines (chunked, each flushed as it is written) and its end. Whatever comes
 * after the answer ended, or after the caller went away, is dropped.
 */
public interface AdminReplier {
    /** Answers with one whole JSON reply; on a stream already begun, its body becomes the last line. */
    void reply(AdminRoutes.Reply reply);

    /** Starts a 200 NDJSON stream (application/x-ndjson). */
    void beginStream();

    /**
     * Writes one line and flushes it. {@code written} runs once the line has left, or the caller has
     * gone: the moment to produce the next, so a caller that reads slowly slows the producer.
     */
    void line(JsonNode line, Runnable written);

    /** Ends the answer and closes the connection. */
    void end();

    /** Runs {@code r} once if the caller goes away before the answer ended (at once if it already has). */
    void onGone(Runnable r);
}
