package dev.corral.shared;

import dev.corral.admission.Limiters;
import dev.corral.audit.Audit;
import dev.corral.config.ConfigException;
import dev.corral.config.SharedLimits;
import dev.corral.store.Store;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the limiters admission uses from limits.shared: in this process by default, or in Redis
 * (buckets, budgets and slots under this instance's lease, never waited for on the event loop).
 * Closing ends the lease (what it holds is given back at once) and the connection.
 */
public final class SharedLimiters implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SharedLimiters.class);

    private final Limiters limiters;
    private final SharedState state;
    private final AutoCloseable[] owned;

    private SharedLimiters(Limiters limiters, SharedState state, AutoCloseable... owned) {
        this.limiters = limiters;
        this.state = state;
        this.owned = owned;
    }

    /**
     * The limiters {@code cfg} asks for. With Redis, it must answer now: an instance that starts
     * without it cannot know how many others share the limits, so it refuses to start (ConfigException).
     */
    public static SharedLimiters open(SharedLimits cfg, Store store, Audit audit) {
        return open(cfg, store, audit, null);
    }

    /** As {@link #open(SharedLimits, Store, Audit)}, Redis's connection on {@code loops} (the gateway's event loops) where it can. */
    public static SharedLimiters open(SharedLimits cfg, Store store, Audit audit, io.netty.channel.EventLoopGroup loops) {
        if (!cfg.enabled()) {
            return new SharedLimiters(Limiters.inProcess(store), null);
        }
        RedisLink redis;
        try {
            redis = RedisLink.connect(cfg, loops);
        } catch (RuntimeException e) {
            throw new ConfigException("limits.shared: Redis at " + cfg.url() + " does not answer (" + e.getMessage()
                    + "); start it, check the address and password, or leave limits.shared empty to keep limits in this process");
        }
        SharedState state = new SharedState(audit, cfg.refuseOnFailure());
        InstanceLease lease = new InstanceLease(redis, state, cfg.lease());
        try {
            lease.start();
        } catch (RuntimeException e) {
            redis.close();
            throw new ConfigException("limits.shared: Redis at " + cfg.url() + " refused this instance's lease ("
                    + e.getMessage() + "); check the password and that the user may run scripts (EVALSHA)");
        }
        redis.ready(cfg.timeout());
        redis.load("take");
        redis.load("give");
        // Redis is never waited for on a request's thread; only a budget period's first read of the store is.
        ExecutorService blocking = pool("corral-shared-store", 2, Integer.MAX_VALUE);
        RedisLimits limiters = new RedisLimits(redis, lease, state, store, new RedisBuckets(redis, state), blocking);
        log.info("limits shared in Redis at {} as instance {} ({} live), lease {}, on failure: {}", cfg.url(), lease.id(),
                state.liveInstances(), cfg.lease(), cfg.refuseOnFailure() ? "refuse" : "local share");
        // Closed in reverse: the stocks are given back (and their used tokens counted) before the lease ends.
        return new SharedLimiters(limiters, state, redis, lease, () -> drain(blocking), limiters::closeStocks);
    }

    public Limiters limiters() {
        return limiters;
    }

    /** Whether limits are shared now, and among how many; null when they are kept in this process. */
    SharedState state() {
        return state;
    }

    private static ExecutorService pool(String name, int threads, int queue) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    private static void drain(ExecutorService e) throws InterruptedException {
        e.shutdown();
        if (!e.awaitTermination(5, TimeUnit.SECONDS)) {
            e.shutdownNow();
        }
    }

    /** In reverse: admissions finish, give-backs are sent, the lease ends (giving back the rest), the connection closes. */
    @Override
    public void close() {
        for (int i = owned.length - 1; i >= 0; i--) {
            try {
                owned[i].close();
            } catch (Exception e) {
                log.warn("closing shared limits: {}", e.toString());
            }
        }
    }
}
