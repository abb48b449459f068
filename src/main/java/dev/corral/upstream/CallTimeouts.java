package dev.corral.upstream;

import dev.corral.net.Deadline;
import io.netty.channel.EventLoop;

/**
 * An upstream call's two timeouts, first byte and silence between chunks, on one {@link Deadline}.
 * Until Ollama answers it is set to the earlier of the first-byte deadline and the first possible
 * idle one, so that neither the answer's head nor a chunk, each moving it later, schedules anything
 * (a request costs one scheduled task). Confined to the loop.
 */
final class CallTimeouts {
    /** What a passed deadline means for the call. */
    interface Expiry {
        boolean done();

        boolean responded();

        void expired(UpstreamCall.Failure why);
    }

    private final EventLoop loop;
    private final long firstByteNanos;
    private final long idleNanos;
    private final Expiry call;
    private final Deadline deadline = new Deadline(this::expired);
    private long firstByteDeadline;

    CallTimeouts(EventLoop loop, long firstByteNanos, long idleNanos, Expiry call) {
        this.loop = loop;
        this.firstByteNanos = firstByteNanos;
        this.idleNanos = idleNanos;
        this.call = call;
    }

    /** The request was sent: the first byte is due within its timeout. */
    void sent() {
        long now = loop.ticker().nanoTime();
        firstByteDeadline = now + firstByteNanos;
        deadline.at(loop, now + Math.min(firstByteNanos, idleNanos));
    }

    /** Something came from Ollama (the answer's head, a chunk): the idle clock starts again. */
    void activity() {
        deadline.in(loop, idleNanos);
    }

    void cancel() {
        deadline.stop();
    }

    private void expired() {
        if (call.done()) {
            return;
        }
        if (call.responded()) {
            call.expired(UpstreamCall.Failure.IDLE_TIMEOUT);
        } else if (loop.ticker().nanoTime() - firstByteDeadline >= 0) {
            call.expired(UpstreamCall.Failure.FIRST_BYTE_TIMEOUT);
        } else {
            deadline.at(loop, firstByteDeadline); // the first byte may take longer than a silence
        }
    }
}
