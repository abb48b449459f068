package dev.corral.shared;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's lease in Redis: registered under a unique id with an expiry, renewed three times
 * per lease, and ended at close. Each renewal also gives back what instances whose lease expired
 * still held (lease.lua), so a killed instance's slots and reservations return within one lease,
 * and tells how many instances are live (the divisor of the local share while Redis is down). A
 * renewal that fails degrades {@link SharedState}; one that succeeds recovers it, under a new id:
 * what the old id held (give-backs lost in the outage among it) is given back when its lease
 * expires, and give-backs still arriving for it find nothing to give back twice.
 */
final class InstanceLease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InstanceLease.class);
    static final String INSTANCES = Keys.PREFIX + "instances";

    private final RedisLink redis;
    private final SharedState state;
    private volatile String id;
    private final Duration lease;
    private final ScheduledExecutorService timer;

    InstanceLease(RedisLink redis, SharedState state, Duration lease) {
        this.redis = redis;
        this.state = state;
        this.lease = lease;
        this.id = newId();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "corral-shared-lease");
            t.setDaemon(true);
            return t;
        });
    }

    /** Renews now (throws when Redis does not answer), then every third of the lease. */
    InstanceLease start() {
        beatOrThrow();
        long every = Math.max(100, lease.toMillis() / 3);
        timer.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    String id() {
        return id;
    }

    /** This instance's held hash: every slot and reservation it holds, by the key of the counter it holds them in. */
    String heldKey() {
        return Keys.held(id);
    }

    long leaseMillis() {
        return lease.toMillis();
    }

    /** One renewal; failures degrade the state, success recovers it under a new lease. */
    void beat() {
        try {
            if (!state.shared()) {
                id = newId(); // the old lease expires and is reaped, with whatever it still held
            }
            beatOrThrow();
            state.recovered();
        } catch (RuntimeException e) {
            state.failed(e);
        }
    }

    private void beatOrThrow() {
        Long live = redis.run("lease", ScriptOutputType.INTEGER, new String[] {INSTANCES},
                id, String.valueOf(lease.toMillis()), Keys.HELD_PREFIX, "beat");
        state.liveInstances(live.intValue());
    }

    private static String newId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown";
        }
        return host.replaceAll("[^A-Za-z0-9.-]", "_") + "-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    }

    /** Ends the lease: what this instance still holds is given back now rather than when the lease expires. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            redis.run("lease", ScriptOutputType.INTEGER, new String[] {INSTANCES}, id, String.valueOf(lease.toMillis()),
                    Keys.HELD_PREFIX, "leave");
        } catch (RuntimeException e) {
            log.warn("shared limits: could not end this instance's lease in Redis ({}); it expires in {}", e.toString(), lease);
        }
    }
}
