package dev.corral.server;

import dev.corral.config.Settings;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection's one timer, in one of three roles: the keep-alive idle timeout while it waits for
 * a request, the header timeout once a request's first byte arrived (slowloris), the body timeout
 * while a body is read. Upstream timeouts are the upstream call's.
 *
 * <p>A request moves the timer through several roles, so arming one only notes its deadline: the
 * event loop's timer is scheduled again only when the new deadline comes before the pending one
 * (the header timeout after an idle wait), and a timer that fires before the deadline in force
 * sleeps again for the rest. A keep-alive request thus costs one scheduled task, not four scheduled
 * and four cancelled. Confined to the connection's event loop.
 */
final class ConnectionTimers {
    private final java.util.function.Supplier<Settings> settings;
    private final Runnable onHeader;
    private final Runnable onBody;
    private final Runnable onIdle;
    /** The event loop's pending wake-up, or null. */
    private ScheduledFuture<?> timer;
    /** When {@link #timer} fires (System.nanoTime), valid while it is not null. */
    private long wakeAt;
    /** What runs at {@link #deadline}, or null when nothing is armed. */
    private Runnable role;
    private long deadline;
    private boolean headerClock;
    private EventExecutor loop;
    private final Runnable fire = this::fire;

    ConnectionTimers(java.util.function.Supplier<Settings> settings, Runnable onHeader, Runnable onBody, Runnable onIdle) {
        this.settings = settings;
        this.onHeader = onHeader;
        this.onBody = onBody;
        this.onIdle = onIdle;
    }

    void keepAlive(EventExecutor loop) {
        headerClock = false;
        arm(loop, settings.get().keepaliveTimeout().toNanos(), onIdle);
    }

    /** The first byte of a request: from now on its headers must arrive in time (once per request). */
    void headerStarted(EventExecutor loop) {
        if (!headerClock) {
            headerClock = true;
            arm(loop, settings.get().headerTimeout().toNanos(), onHeader);
        }
    }

    void body(EventExecutor loop) {
        arm(loop, settings.get().bodyTimeout().toNanos(), onBody);
    }

    /** Disarms; a pending wake-up finds nothing to do (it is cancelled when the connection closes). */
    void cancel() {
        headerClock = false;
        role = null;
    }

    /** Stops for good: the connection is closed. */
    void stop() {
        cancel();
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void arm(EventExecutor on, long nanos, Runnable task) {
        loop = on;
        role = task;
        deadline = on.ticker().nanoTime() + nanos; // the loop's clock (tests move it by hand)
        if (timer != null && wakeAt - deadline <= 0) {
            return; // the pending wake-up comes first and sleeps again for the rest
        }
        if (timer != null) {
            timer.cancel(false);
        }
        schedule(deadline);
    }

    private void schedule(long at) {
        wakeAt = at;
        timer = loop.schedule(fire, Math.max(0, at - loop.ticker().nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void fire() {
        timer = null;
        Runnable r = role;
        if (r == null) {
            return;
        }
        if (deadline - loop.ticker().nanoTime() > 0) {
            schedule(deadline);
            return;
        }
        role = null;
        r.run();
    }
}
