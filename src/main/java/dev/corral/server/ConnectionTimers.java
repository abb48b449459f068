package dev.corral.server;

import dev.corral.config.Settings;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection's one timer, in one of three roles: the keep-alive idle timeout while it waits for
 * a request, the header timeout once a request's first byte arrived (slowloris), the body timeout
 * while a body is read. Upstream timeouts are the upstream call's.
 */
final class ConnectionTimers {
    private final java.util.function.Supplier<Settings> settings;
    private final Runnable onHeader;
    private final Runnable onBody;
    private final Runnable onIdle;
    private ScheduledFuture<?> timer;
    private boolean headerClock;

    ConnectionTimers(java.util.function.Supplier<Settings> settings, Runnable onHeader, Runnable onBody, Runnable onIdle) {
        this.settings = settings;
        this.onHeader = onHeader;
        this.onBody = onBody;
        this.onIdle = onIdle;
    }

    void keepAlive(EventExecutor loop) {
        headerClock = false;
        arm(loop, settings.get().keepaliveTimeout().toMillis(), onIdle);
    }

    /** The first byte of a request: from now on its headers must arrive in time (once per request). */
    void headerStarted(EventExecutor loop) {
        if (!headerClock) {
            headerClock = true;
            arm(loop, settings.get().headerTimeout().toMillis(), onHeader);
        }
    }

    void body(EventExecutor loop) {
        arm(loop, settings.get().bodyTimeout().toMillis(), onBody);
    }

    void cancel() {
        headerClock = false;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void arm(EventExecutor loop, long millis, Runnable task) {
        if (timer != null) {
            timer.cancel(false);
        }
        timer = loop.schedule(task, millis, TimeUnit.MILLISECONDS);
    }
}
