package dev.corral.upstream;

import dev.corral.admission.FairQueue;
import dev.corral.config.UpstreamNode;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Ollama node of several: its connections, its slots (a {@link FairQueue} of its own), what it
 * has and has loaded (from the probes), and whether it is in service. A connection refused or a 5xx
 * ejects it for the probe interval, doubled with each ejection in a row up to 32 intervals
 * ({@link #backoff}); it comes back when a probe passes after that time. A real answer below 500
 * ends the run of failures.
 */
public final class Node implements UpstreamReports {
    private static final Logger log = LoggerFactory.getLogger(Node.class);
    static final int MAX_BACKOFF_INTERVALS = 32;

    private final UpstreamNode cfg;
    private final UpstreamPool pool;
    private final FairQueue queue;
    private final long intervalNanos;
    private volatile boolean inService = true; // until a probe or a request says otherwise, as with one Ollama
    private volatile Set<String> models = Set.of();
    private volatile Set<String> loaded = Set.of();
    private volatile boolean probed;
    private int failures; // ejections in a row; guarded by this
    private long ejectedUntil; // System.nanoTime(); guarded by this
    private volatile String lastFailure;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong ejections = new AtomicLong();

    Node(UpstreamNode cfg, UpstreamPool pool, FairQueue queue) {
        this.cfg = cfg;
        this.pool = pool;
        this.queue = queue;
        this.intervalNanos = cfg.at().healthInterval().toNanos();
    }

    public String name() {
        return cfg.name();
    }

    public UpstreamNode config() {
        return cfg;
    }

    public UpstreamConnections connections() {
        return pool;
    }

    UpstreamPool pool() {
        return pool;
    }

    /** This node's slots, handed out fairly across keys. */
    public FairQueue queue() {
        return queue;
    }

    public boolean inService() {
        return inService;
    }

    public Set<String> models() {
        return models;
    }

    public Set<String> loaded() {
        return loaded;
    }

    /** Whether a probe has read its model list yet. */
    public boolean probed() {
        return probed;
    }

    /** Why it was last ejected (null if never). */
    public String lastFailure() {
        return lastFailure;
    }

    /** Requests Corral set out to send to it (one that failed over counts at each node it tried: it reached none but the last). */
    public long sent() {
        return sent.get();
    }

    public long ejections() {
        return ejections.get();
    }

    /** A request is about to be sent here. */
    public void sending() {
        sent.incrementAndGet();
    }

    /** Ejections in a row, which set how long the next lasts ({@link #backoff}). */
    synchronized int failuresInARow() {
        return failures;
    }

    NodeChoice.View view() {
        return new NodeChoice.View(cfg.name(), inService, models, loaded, queue.inUse(), queue.waiting(), queue.capacity(),
                cfg.weight());
    }

    @Override
    public void answered(int status) {
        if (status >= 500) {
            eject("it answered HTTP " + status);
        } else if (failures != 0) {
            synchronized (this) {
                failures = 0;
            }
        }
    }

    @Override
    public void unreachable(Throwable cause) {
        eject(cause == null || cause.getMessage() == null ? "the connection failed before the request was sent" : cause.getMessage());
    }

    /** How long an ejection lasts: the probe interval, doubled for each ejection in a row before it, at most 32 intervals. */
    static long backoff(long intervalNanos, int failuresInARow) {
        int doublings = Math.min(Math.max(0, failuresInARow - 1), Integer.numberOfTrailingZeros(MAX_BACKOFF_INTERVALS));
        return intervalNanos << doublings;
    }

    void eject(String why) {
        boolean was;
        long wait;
        synchronized (this) {
            was = inService;
            if (!was && System.nanoTime() - ejectedUntil < 0) {
                return; // already out, and its time out is not over: failures of requests already under way
            }
            failures++;
            wait = backoff(intervalNanos, failures);
            ejectedUntil = System.nanoTime() + wait;
            inService = false;
            lastFailure = why;
        }
        if (was) {
            ejections.incrementAndGet();
            log.warn("Ollama node {} ({}) is out of service for {} ms: {}", cfg.name(), cfg.at().url(), wait / 1_000_000, why);
        }
    }

    /** A probe read both lists: the node's models are these now, and it is back in service if its time out is over. */
    void probePassed(Set<String> models, Set<String> loaded) {
        this.models = models;
        this.loaded = loaded;
        this.probed = true;
        boolean back = false;
        synchronized (this) {
            if (!inService && System.nanoTime() - ejectedUntil >= 0) {
                inService = true;
                back = true;
            }
        }
        if (back) {
            log.info("Ollama node {} ({}) is back in service", cfg.name(), cfg.at().url());
        }
    }
}
