package dev.corral.upstream;

import dev.corral.config.Settings;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows whether Ollama answers: probes GET /api/version at an interval, hears of every real
 * request's success or connect failure, and logs each change once, in plain words.
 */
public final class UpstreamHealth implements UpstreamReports, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UpstreamHealth.class);

    /** How long a probe waits for Ollama's answer once connected. */
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);

    private final Duration interval;
    private final ScheduledExecutorService scheduler;
    private volatile Target target;
    private volatile Boolean reachable;
    private volatile java.util.function.BooleanSupplier nodes;
    private final java.util.concurrent.CountDownLatch firstProbe = new java.util.concurrent.CountDownLatch(1);

    /** Where the probes go. */
    private record Target(Settings.Upstream upstream) {
        static Target of(Settings.Upstream upstream) {
            return new Target(upstream);
        }
    }

    public UpstreamHealth(Settings.Upstream upstream) {
        this.interval = upstream.healthInterval();
        this.target = Target.of(upstream);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "corral-upstream-health");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        long every = interval.toMillis();
        // The first probe runs at once, on the probe thread: start never waits for Ollama (which may
        // take the whole connect timeout to refuse), and requests meanwhile are forwarded as usual.
        scheduler.scheduleWithFixedDelay(this::probe, 0, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Probes {@code next} from now on (a reloaded configuration moved Ollama or changed how to
     * connect to it): what was known of the old one no longer counts, and one probe runs at once.
     */
    public void retarget(Settings.Upstream next) {
        Target t = target;
        if (t.upstream().url().equals(next.url()) && t.upstream().connectTimeout().equals(next.connectTimeout())) {
            return;
        }
        synchronized (this) {
            target = Target.of(next);
            reachable = null;
        }
        log.info("Ollama is now at {}", next.url());
        scheduler.execute(this::probe);
    }

    /** With several nodes ({@link Nodes}), whether any is in service; else whether the one Ollama answers. */
    public boolean reachable() {
        java.util.function.BooleanSupplier n = nodes;
        return n != null ? n.getAsBoolean() : Boolean.TRUE.equals(reachable);
    }

    /** Several nodes: they are probed each on its own ({@link Nodes}); this answers whether any is in service. */
    public void aggregate(java.util.function.BooleanSupplier anyInService) {
        nodes = anyInService;
        firstProbe.countDown();
    }

    @Override
    public void answered(int status) {
        reportSuccess();
    }

    @Override
    public void unreachable(Throwable cause) {
        reportFailure(cause);
    }

    /** One probe now; also used at start so the first log line tells the operator where things stand. */
    public void probe() {
        Target t = target;
        try {
            int status = VersionProbe.status(t.upstream(), ANSWER_WITHIN);
            if (status == 200) {
                report(t, true, null);
            } else {
                report(t, false, "it answered GET /api/version with HTTP " + status);
            }
        } catch (java.net.ConnectException e) {
            report(t, false, "connection refused");
        } catch (java.io.IOException e) {
            report(t, false, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } catch (RuntimeException e) {
            report(t, false, e.toString());
        }
    }

    public void reportSuccess() {
        report(target, true, null);
    }

    public void reportFailure(Throwable cause) {
        report(target, false, cause == null ? "connection failed" : String.valueOf(cause.getMessage()));
    }

    /**
     * Waits up to {@code max} for the first probe's answer, so that /healthz is right from the first
     * request; start calls it last, after the work the probe ran alongside, so it rarely waits at all.
     */
    public void awaitFirstProbe(Duration max) {
        try {
            firstProbe.await(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void report(Target about, boolean up, String why) {
        firstProbe.countDown();
        Boolean known = reachable;
        if (about == target && known != null && known == up) {
            return; // nothing new: every request reports, so this path takes no lock
        }
        synchronized (this) {
            if (about != target) {
                return; // a probe of where Ollama was before a reload
            }
            Boolean before = reachable;
            reachable = up;
            if (before != null && before == up) {
                return;
            }
        }
        Settings.Upstream upstream = about.upstream();
        if (up) {
            log.info("Ollama at {} is answering", upstream.url());
        } else {
            log.warn("Ollama at {} is not answering ({}); requests get 502 until it does."
                    + " Is Ollama running? (systemctl status ollama, or: ollama serve)", upstream.url(), why);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
