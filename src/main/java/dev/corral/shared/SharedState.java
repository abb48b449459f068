package dev.corral.shared;

import dev.corral.admission.LimitsUnavailable;
import dev.corral.audit.Actions;
import dev.corral.audit.Audit;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether shared limits are shared now: while Redis answers, every limit is checked there; when a
 * call fails, this instance degrades (audited, logged, counted) and checks each limit locally at
 * its share, the limit divided by the live instances it last saw (or refuses, with
 * limits.on_shared_failure: refuse), until a lease heartbeat reaches Redis again. What this
 * instance held in Redis before the outage is given back when its old lease expires: it comes
 * back under a new lease ({@link InstanceLease}), so a give-back lost in the outage holds nothing.
 */
final class SharedState {
    private static final Logger log = LoggerFactory.getLogger(SharedState.class);

    private final Audit audit;
    private final boolean refuse;
    private final AtomicBoolean shared = new AtomicBoolean(true);
    private volatile int liveInstances = 1;

    SharedState(Audit audit, boolean refuse) {
        this.audit = audit;
        this.refuse = refuse;
    }

    boolean shared() {
        return shared.get();
    }

    /** The instances whose lease was current at the last heartbeat that reached Redis (at least this one). */
    int liveInstances() {
        return liveInstances;
    }

    void liveInstances(int n) {
        liveInstances = Math.max(1, n);
    }

    /** This instance's share of {@code limit} while degraded: limit / live instances, at least 1; 0 stays unlimited. */
    long share(long limit) {
        return limit <= 0 ? limit : Math.max(1, limit / liveInstances);
    }

    /** While degraded: throws {@link LimitsUnavailable} when the operator chose refuse; returns when local limits apply. */
    void localOrRefuse() {
        if (refuse) {
            throw new LimitsUnavailable("the shared limit store (Redis) does not answer");
        }
    }

    /** A Redis call failed: degrade (once per outage). */
    void failed(RuntimeException e) {
        if (!shared.compareAndSet(true, false)) {
            return;
        }
        String reason = e.getClass().getSimpleName();
        int n = liveInstances;
        log.warn("shared limits: Redis does not answer ({}); {} until it does", e.toString(), refuse
                ? "refusing requests with 503 (limits.on_shared_failure: refuse)"
                : "enforcing this instance's share locally: each limit divided by " + n + " live instance" + (n == 1 ? "" : "s"));
        record(Actions.LIMITS_DEGRADED, Map.of("reason", reason, "live_instances", n,
                "on_shared_failure", refuse ? "refuse" : "local"));
    }

    /** The failure an asynchronous call completed with, unwrapped, as failed() takes it. */
    static RuntimeException runtime(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }

    /** A heartbeat under a new lease reached Redis: limits are shared again. */
    void recovered() {
        if (shared.compareAndSet(false, true)) {
            log.info("shared limits: Redis answers again; limits are shared again ({} live instances)", liveInstances);
            record(Actions.LIMITS_RECOVERED, Map.of("live_instances", liveInstances));
        }
    }

    /** Null while shared; else the phrase /healthz shows. */
    String degraded() {
        if (shared.get()) {
            return null;
        }
        return refuse ? "shared limits unreachable: refusing inference requests"
                : "shared limits unreachable: enforcing this instance's share (1/" + liveInstances + ") locally";
    }

    private void record(String action, Map<String, ?> details) {
        try {
            audit.record(Audit.SYSTEM, action, "limits.shared", details);
        } catch (RuntimeException e) {
            log.error("recording {} in the audit log failed: {}", action, e.toString());
        }
    }
}
