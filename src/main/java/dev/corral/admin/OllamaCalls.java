package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.Settings;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's calls to Ollama's model routes, with the JDK's HTTP client: asynchronous, so the
 * single admin thread never waits on Ollama. Requests go to the configured upstream by its own
 * host:port, which is also the Host header Ollama's host check sees (Settings.Upstream.hostHeader;
 * the JDK leaves out a default port 80). HTTP/1.1 only, no proxy, no redirects. Failures become
 * {@link AdminError}s that never name Ollama's address.
 */
final class OllamaCalls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OllamaCalls.class);
    static final ObjectMapper JSON = new ObjectMapper();

    /** A whole answer. */
    record Answer(int status, byte[] body) {
        boolean ok() {
            return status / 100 == 2;
        }
    }

    /** Receives a streamed answer. After {@link #end}, {@link #refused} or {@link #failed}, nothing more comes. */
    interface Lines {
        /** Ollama answered 2xx: lines follow. */
        void begin();

        /** One line of the body; run {@code next} for the one after. */
        void line(String line, Runnable next);

        void end();

        /** Ollama answered with an error status: the whole body. */
        void refused(Answer answer);

        void failed(AdminError error);
    }

    /** Stops a streamed call: the connection to Ollama is closed, and Ollama cancels the work. */
    interface Cancel {
        void cancel();
    }

    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "corral-admin-ollama");
        t.setDaemon(true);
        return t;
    });
    private final java.util.function.Supplier<Settings.Upstream> upstream;
    private volatile Client client;

    /** A client for one upstream; a reload that moves Ollama gets a new one for the calls after it. */
    private record Client(Settings.Upstream cfg, HttpClient http) {}

    /** {@code upstream} is read at each call, so a reloaded upstream applies to the next one. */
    OllamaCalls(java.util.function.Supplier<Settings.Upstream> upstream) {
        this.upstream = upstream;
    }

    private Client client() {
        Settings.Upstream cfg = upstream.get();
        Client c = client;
        if (c == null || !c.cfg().equals(cfg)) {
            c = client = new Client(cfg, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(cfg.connectTimeout()).proxy(HttpClient.Builder.NO_PROXY)
                    .followRedirects(HttpClient.Redirect.NEVER).executor(executor).build());
        }
        return c;
    }

    /** One call answered whole: GET /api/tags, POST /api/show, DELETE /api/delete, POST /api/copy. */
    CompletableFuture<Answer> call(String method, String path, JsonNode body) {
        Client c = client();
        HttpRequest req = request(c, method, path, body).timeout(c.cfg().firstByteTimeout()).build();
        return c.http().sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
                .handle((r, t) -> {
                    if (t != null) {
                        throw failure(c, t, false);
                    }
                    return new Answer(r.statusCode(), r.body());
                });
    }

    /**
     * A call whose answer is read line by line as it comes (pull's NDJSON progress), one line at a
     * time as the listener asks for them. Ollama has upstream.first_byte_timeout to answer; after
     * that, silence is allowed (verifying a large model's digest says nothing for minutes).
     */
    Cancel stream(String path, JsonNode body, Lines lines) {
        Client c = client();
        Once once = new Once(lines);
        AtomicBoolean answered = new AtomicBoolean();
        AtomicBoolean timedOut = new AtomicBoolean();
        LineReader reader = new LineReader(once, executor);
        HttpResponse.BodyHandler<Void> handler = info -> {
            answered.set(true);
            if (info.statusCode() / 100 != 2) {
                return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArray(), b -> {
                    once.refused(new Answer(info.statusCode(), b));
                    return null;
                });
            }
            once.begin();
            return HttpResponse.BodySubscribers.fromLineSubscriber(reader, s -> null, StandardCharsets.UTF_8, null);
        };
        CompletableFuture<HttpResponse<Void>> cf = c.http().sendAsync(request(c, "POST", path, body).build(), handler);
        cf.whenComplete((r, t) -> {
            if (t != null) {
                once.failed(failure(c, t, timedOut.get()));
            }
        });
        CompletableFuture.delayedExecutor(c.cfg().firstByteTimeout().toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (!answered.get() && !cf.isDone()) {
                timedOut.set(true);
                cf.cancel(true);
            }
        });
        return () -> {
            once.silence();
            cf.cancel(true); // before the answer: aborts the exchange
            reader.cancel(); // during it: closes the connection, the body being unread
        };
    }

    private static HttpRequest.Builder request(Client c, String method, String path, JsonNode body) {
        HttpRequest.BodyPublisher publisher;
        try {
            publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + c.cfg().hostHeader() + path)).method(method, publisher);
        return body == null ? b : b.header("Content-Type", "application/json");
    }

    /** The caller-facing failure: 502 or 504, never with Ollama's address (the JDK's messages hold it). */
    private static AdminError failure(Client client, Throwable t, boolean timedOut) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof AdminError e) {
            return e;
        }
        if (c instanceof HttpConnectTimeoutException || c instanceof ConnectException) {
            return new AdminError(502, "the gateway cannot reach Ollama");
        }
        if (c instanceof HttpTimeoutException || timedOut && c instanceof CancellationException) {
            return new AdminError(504, "Ollama did not answer within " + client.cfg().firstByteTimeout().toSeconds() + " s");
        }
        if (c instanceof IOException) {
            log.debug("admin call to Ollama failed: {}", c.toString());
            return new AdminError(502, "Ollama closed the connection before its answer ended");
        }
        log.warn("admin call to Ollama failed", c);
        return new AdminError(502, "the call to Ollama failed (see the server's log)");
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** Reads the body line by line, one at a time as asked. */
    private static final class LineReader implements Flow.Subscriber<String> {
        private final Once lines;
        private final ExecutorService executor;
        private volatile Flow.Subscription subscription;
        private volatile boolean cancelled;

        LineReader(Once lines, ExecutorService executor) {
            this.lines = lines;
            this.executor = executor;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (cancelled) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(String line) {
            // Asked for from the client's threads, never inline on the admin event loop that reports the
            // last line written: the JDK may deliver the next line (and the end, with its audit write) inline.
            lines.line(line, () -> {
                try {
                    executor.execute(() -> subscription.request(1));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    cancel(); // shutting down
                }
            });
        }

        @Override
        public void onError(Throwable t) {
            lines.failed(t instanceof IOException ? new AdminError(502, "Ollama closed the connection before its answer ended")
                    : new AdminError(502, "reading Ollama's answer failed"));
        }

        @Override
        public void onComplete() {
            lines.end();
        }

        void cancel() {
            cancelled = true;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }
    }

    /** Passes on one ending only, and nothing at all once the caller cancelled. */
    private static final class Once implements Lines {
        private final Lines to;
        private final AtomicBoolean over = new AtomicBoolean();

        Once(Lines to) {
            this.to = to;
        }

        void silence() {
            over.set(true);
        }

        @Override
        public void begin() {
            if (!over.get()) {
                to.begin();
            }
        }

        @Override
        public void line(String line, Runnable next) {
            if (!over.get()) {
                to.line(line, next);
            }
        }

        @Override
        public void end() {
            if (over.compareAndSet(false, true)) {
                to.end();
            }
        }

        @Override
        public void refused(Answer answer) {
            if (over.compareAndSet(false, true)) {
                to.refused(answer);
            }
        }

        @Override
        public void failed(AdminError error) {
            if (over.compareAndSet(false, true)) {
                to.failed(error);
            }
        }
    }
}
