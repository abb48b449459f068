package dev.corral.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on {@link PostgresKeys#CHANNEL} on a connection of its own and tells the server each time
 * another instance (or the CLI) changed keys, so revocations take effect everywhere as soon as they
 * commit. When the connection drops it reconnects with backoff, and tells the server once more on
 * every reconnect: a change made while it was away sent a notification nobody heard.
 */
final class PostgresKeyListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);
    /** How long one wait for notifications blocks before the thread checks whether it should stop. */
    private static final int WAIT_MILLIS = 250;
    private static final long BACKOFF_FIRST_MILLIS = 100;
    private static final long BACKOFF_MAX_MILLIS = 2_000;

    private final PostgresTarget target;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    PostgresKeyListener(PostgresTarget target) {
        this.target = target;
        this.thread = new Thread(this::run, "corral-store-listen");
        this.thread.setDaemon(true);
    }

    /** Adds a listener; the thread starts with the first. */
    synchronized void add(Runnable listener) {
        listeners.add(listener);
        if (!thread.isAlive() && !closed) {
            thread.start();
        }
    }

    private void run() {
        long backoff = BACKOFF_FIRST_MILLIS;
        boolean lost = false;
        while (!closed) {
            try (Connection c = target.connect()) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + PostgresKeys.CHANNEL);
                }
                if (lost) {
                    log.info("{}: listening for key changes again", target.display());
                }
                lost = false;
                backoff = BACKOFF_FIRST_MILLIS;
                fire(); // whatever changed while nobody listened
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] got = pg.getNotifications(WAIT_MILLIS);
                    if (got != null && got.length > 0) {
                        fire();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (!lost) {
                    log.warn("{}: not listening for key changes ({}); reconnecting, and meanwhile polling the keys version every second",
                            target.display(), e.getMessage());
                    lost = true;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, BACKOFF_MAX_MILLIS);
            }
        }
    }

    private void fire() {
        for (Runnable r : listeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.error("a key change listener failed: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
