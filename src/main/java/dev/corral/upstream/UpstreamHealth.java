package dev.corral.upstream;

import dev.corral.config.Settings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
public final class UpstreamHealth implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UpstreamHealth.class);

    private final Settings.Upstream upstream;
    private final HttpClient http;
    private final ScheduledExecutorService scheduler;
    private volatile Boolean reachable;

    public UpstreamHealth(Settings.Upstream upstream) {
        this.upstream = upstream;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(upstream.connectTimeout()).build();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "corral-upstream-health");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        long every = upstream.healthInterval().toMillis();
        // The first probe ran synchronously at start (probe()); the next one waits a full interval.
        scheduler.scheduleWithFixedDelay(this::probe, every, every, TimeUnit.MILLISECONDS);
    }

    public boolean reachable() {
        return Boolean.TRUE.equals(reachable);
    }

    /** One probe now; also used at start so the first log line tells the operator where things stand. */
    public void probe() {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(upstream.url().toString().replaceAll("/$", "") + "/api/version"))
                    .timeout(Duration.ofSeconds(5)).header("User-Agent", "corral-health").GET().build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                reportSuccess();
            } else {
                report(false, "it answered GET /api/version with HTTP " + r.statusCode());
            }
        } catch (java.net.ConnectException e) {
            report(false, "connection refused");
        } catch (java.net.http.HttpTimeoutException e) {
            report(false, "no answer within 5 s");
        } catch (java.io.IOException e) {
            report(false, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            report(false, e.toString());
        }
    }

    public void reportSuccess() {
        report(true, null);
    }

    public void reportFailure(Throwable cause) {
        report(false, cause == null ? "connection failed" : String.valueOf(cause.getMessage()));
    }

    private void report(boolean up, String why) {
        Boolean before = reachable;
        reachable = up;
        if (before != null && before == up) {
            return;
        }
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
