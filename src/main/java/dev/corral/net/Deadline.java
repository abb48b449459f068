package dev.corral.net;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One deadline on an event loop, kept with as few scheduled tasks as possible: a deadline moved
 * later costs no task (the pending wake-up, finding it not reached, sleeps again for the rest), only
 * one moved earlier than the pending wake-up schedules anew. A connection that moves its timeout at
 * every request or every chunk thus costs one scheduled task, not one scheduled and one cancelled
 * each time. Times are the loop's ticker's (tests move it by hand). Confined to the loop.
 */
public final class Deadline {
    private final Runnable onExpiry;
    private final Runnable fire = this::fire;
    private EventExecutor loop;
    /** The loop's pending wake-up, or null. */
    private ScheduledFuture<?> timer;
    /** When {@link #timer} fires, valid while it is not null. */
    private long wakeAt;
    private long deadline;
    private boolean armed;

    /** @param onExpiry what runs on the loop once an armed deadline has passed (the deadline is then disarmed) */
    public Deadline(Runnable onExpiry) {
        this.onExpiry = onExpiry;
    }

    /** Sets the deadline {@code nanos} from now on {@code on}'s clock, in place of any other. */
    public void in(EventExecutor on, long nanos) {
        at(on, on.ticker().nanoTime() + nanos);
    }

    /** Sets the deadline to {@code at} ({@code on}'s ticker time), in place of any other. */
    public void at(EventExecutor on, long at) {
        loop = on;
        deadline = at;
        armed = true;
        if (timer != null && wakeAt - at <= 0) {
            return; // the pending wake-up comes first and sleeps again for the rest
        }
        cancelTimer();
        schedule(at);
    }

    /** Disarms; a pending wake-up finds nothing to do (call {@link #stop} when the loop's task should go too). */
    public void disarm() {
        armed = false;
    }

    /** Disarms and cancels the pending wake-up. */
    public void stop() {
        armed = false;
        cancelTimer();
    }

    private void schedule(long at) {
        wakeAt = at;
        timer = loop.schedule(fire, Math.max(0, at - loop.ticker().nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void fire() {
        timer = null;
        if (!armed) {
            return;
        }
        if (deadline - loop.ticker().nanoTime() > 0) {
            schedule(deadline);
            return;
        }
        armed = false;
        onExpiry.run();
    }
}
