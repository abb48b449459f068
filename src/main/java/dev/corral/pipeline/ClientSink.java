package dev.corral.pipeline;

import dev.corral.refusal.Refusal;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/**
 * The client's side of a forwarded exchange, as the {@link Relay} writes to it. The connection
 * implements it and decides framing and {@code Connection} itself; every method ends or continues
 * the one exchange in progress, and calls after it ended are ignored (their buffers released).
 */
public interface ClientSink {
    ByteBufAllocator alloc();

    /** The response head; {@code bodyless}: HEAD, 204 or 304. The connection adds framing and Connection. */
    void head(HttpResponse head, boolean bodyless);

    /** A part of the body, written without flushing. */
    void content(HttpContent part);

    /** The last part: written and flushed; the exchange completes when it is on the wire. */
    void last(HttpContent part);

    /** A whole response at once (a filtered model list), with its Content-Length. */
    void full(HttpResponse head, io.netty.buffer.ByteBuf body);

    /** The end of a read batch from Ollama: flush what was written. */
    void flush();

    /** Nothing was written yet: answer with this refusal in the client's dialect. */
    void refuse(Refusal refusal, Outcome outcome);

    /** The response was already under way: the only honest signal left is to cut the connection. */
    void abort(Outcome outcome, String reason);
}
