package dev.corral.server;

import dev.corral.config.Settings;
import dev.corral.net.Deadline;
import io.netty.util.concurrent.EventExecutor;

/**
 * A connection's one timer, in one of three roles: the keep-alive idle timeout while it waits for
 * a request, the header timeout once a request's first byte arrived (slowloris), the body timeout
 * while a body is read. Upstream timeouts are the upstream call's. A request moves the timer through
 * several roles; one {@link Deadline} keeps it, so a keep-alive request costs one scheduled task,
 * not four scheduled and four cancelled. Confined to the connection's event loop.
 */
final class ConnectionTimers {
    private final java.util.function.Supplier<Settings> settings;
    private final Runnable onHeader;
    private final Runnable onBody;
    private final Runnable onIdle;
    private final Deadline deadline = new Deadline(this::expired);
    /** What runs when the deadline passes, or null when nothing is armed. */
    private Runnable role;
    private boolean headerClock;

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
        deadline.disarm();
    }

    /** Stops for good: the connection is closed. */
    void stop() {
        cancel();
        deadline.stop();
    }

    private void arm(EventExecutor loop, long nanos, Runnable task) {
        role = task;
        deadline.in(loop, nanos);
    }

    private void expired() {
        Runnable r = role;
        role = null;
        if (r != null) {
            r.run();
        }
    }
}
