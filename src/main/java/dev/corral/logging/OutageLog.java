package dev.corral.logging;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Logs a failure that repeats with every attempt (a store that cannot be reached, asked every
 * second) as an outage: an error when it starts, a reminder at most once a minute while it lasts,
 * and one line when it ends; not an error per attempt. One per repeated task, called from one thread.
 */
public final class OutageLog {
    private static final long REMIND_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Logger log;
    private final String what;
    private final LongSupplier nanoTime;
    private boolean failing;
    private long since;
    private long lastSaid;
    private int attempts;

    /** @param what the task, as the log's lines name it ("reloading keys") */
    public OutageLog(Logger log, String what) {
        this(log, what, System::nanoTime);
    }

    OutageLog(Logger log, String what, LongSupplier nanoTime) {
        this.log = log;
        this.what = what;
        this.nanoTime = nanoTime;
    }

    /** An attempt failed, for this reason. */
    public void failed(String reason) {
        long now = nanoTime.getAsLong();
        attempts++;
        if (!failing) {
            failing = true;
            since = now;
            lastSaid = now;
            log.error("{} failed: {} (said again at most once a minute until it works)", what, reason);
        } else if (now - lastSaid >= REMIND_NANOS) {
            lastSaid = now;
            log.error("{} still fails after {} s and {} attempts: {}", what,
                    TimeUnit.NANOSECONDS.toSeconds(now - since), attempts, reason);
        }
    }

    /** An attempt worked: ends an outage, if there was one. */
    public void ok() {
        if (failing) {
            log.info("{} works again after {} s and {} failed attempts", what,
                    TimeUnit.NANOSECONDS.toSeconds(nanoTime.getAsLong() - since), attempts);
            failing = false;
            attempts = 0;
        }
    }
}
