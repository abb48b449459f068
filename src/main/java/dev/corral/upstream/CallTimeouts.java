package dev.corral.upstream;

import io.netty.channel.EventLoop;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An upstream call's two timeouts, first byte and silence between chunks, on one wake-up: it comes
 * at the earlier of the first-byte deadline and the first possible idle deadline, and each time it
 * fires it looks again, so neither a response head nor a chunk reschedules anything (a request costs
 * one scheduled task). Times are the loop's (tests move its clock by hand). Confined to the loop.
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
    private final Runnable check = this::check;
    private ScheduledFuture<?> timer;
    private long firstByteDeadline;
    private long lastActivity;

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
        wake(now + Math.min(firstByteNanos, idleNanos));
    }

    /** Something came from Ollama: the idle clock starts again. */
    void activity() {
        lastActivity = loop.ticker().nanoTime();
    }

    void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void check() {
        timer = null;
        if (call.done()) {
            return;
        }
        long now = loop.ticker().nanoTime();
        if (!call.responded()) {
            if (now - firstByteDeadline >= 0) {
                call.expired(UpstreamCall.Failure.FIRST_BYTE_TIMEOUT);
            } else {
                wake(firstByteDeadline);
            }
            return;
        }
        long idleDeadline = lastActivity + idleNanos;
        if (now - idleDeadline >= 0) {
            call.expired(UpstreamCall.Failure.IDLE_TIMEOUT);
        } else {
            wake(idleDeadline);
        }
    }

    private void wake(long at) {
        cancel();
        timer = loop.schedule(check, Math.max(0, at - loop.ticker().nanoTime()), TimeUnit.NANOSECONDS);
    }
}
