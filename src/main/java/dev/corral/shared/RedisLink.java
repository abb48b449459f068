package dev.corral.shared;

import dev.corral.config.SharedLimits;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.StaticCredentialsProvider;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The connection to Redis for shared limits (Lettuce): one client with its own small Netty loop,
 * every call bounded by limits.shared_timeout, and calls failing at once while disconnected rather
 * than queueing (so a Redis outage is seen in one timeout, not after a backlog). Runs the Lua
 * scripts beside this class by their SHA (EVALSHA), loading one again when Redis lost it (a restart).
 */
final class RedisLink implements AutoCloseable {
    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> strings;
    private final StatefulRedisConnection<String, byte[]> bytes;
    private final Map<String, String> sources = new ConcurrentHashMap<>();
    private final Map<String, String> shas = new ConcurrentHashMap<>();

    private RedisLink(ClientResources resources, RedisClient client, StatefulRedisConnection<String, String> strings,
                      StatefulRedisConnection<String, byte[]> bytes) {
        this.resources = resources;
        this.client = client;
        this.strings = strings;
        this.bytes = bytes;
    }

    /**
     * The first connection and calls of a JVM load a few thousand classes: they get this long, and
     * limits.shared_timeout applies from {@link #ready} on.
     */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    /** Connects on Lettuce's own threads; throws (a Lettuce RedisException) when Redis does not answer now. */
    static RedisLink connect(SharedLimits cfg) {
        return connect(cfg, null);
    }

    /**
     * Connects on {@code loops} (the gateway's own event loops, when of the transport Lettuce uses), so
     * that a request's Redis calls are written and answered on the loop that serves it, not handed
     * between threads; on Lettuce's own threads when null. Throws when Redis does not answer now.
     */
    static RedisLink connect(SharedLimits cfg, EventLoopGroup loops) {
        RedisURI uri = RedisURI.create(cfg.url());
        uri.setTimeout(START_TIMEOUT.compareTo(cfg.timeout()) > 0 ? START_TIMEOUT : cfg.timeout());
        if (cfg.password() != null) {
            String user = cfg.url().getUserInfo(); // an ACL user; the config refuses a password in the URL
            uri.setCredentialsProvider(new StaticCredentialsProvider(user, cfg.password().toCharArray()));
        }
        // Reconnect attempts back off to at most the lease: limits are shared again soon after Redis returns.
        DefaultClientResources.Builder builder = DefaultClientResources.builder().computationThreadPoolSize(2);
        builder = loops != null ? builder.eventLoopGroupProvider(new SharedLoops(loops)) : builder.ioThreadPoolSize(2);
        ClientResources res = builder
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), cfg.lease().dividedBy(3), 2, TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(res, uri);
        ClientOptions.Builder options = ClientOptions.builder();
        if (cfg.ca() != null) { // rediss:// with a private CA; without it, the JVM's trust store decides
            options.sslOptions(SslOptions.builder().jdkSslProvider().trustManager(cfg.ca().toFile()).build());
        }
        client.setOptions(options
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled()) // each connection's own timeout (ready() sets it)
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
                .build());
        StatefulRedisConnection<String, String> s = null;
        try {
            s = client.connect();
            StatefulRedisConnection<String, byte[]> b = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            return new RedisLink(res, client, s, b);
        } catch (RuntimeException e) {
            if (s != null) {
                s.close();
            }
            client.shutdown(0, 1, TimeUnit.SECONDS);
            res.shutdown(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** From now on every call waits at most {@code timeout} (limits.shared_timeout). */
    RedisLink ready(Duration timeout) {
        strings.setTimeout(timeout);
        bytes.setTimeout(timeout);
        return this;
    }

    /** For Bucket4j's proxy manager: String keys, byte[] values (its serialized buckets). */
    StatefulRedisConnection<String, byte[]> bucketConnection() {
        return bytes;
    }

    RedisCommands<String, String> commands() {
        return strings.sync();
    }

    /** Runs a script of this package ({@code name}.lua) by its SHA; loads it first where Redis does not have it. */
    @SuppressWarnings("unchecked")
    <T> T run(String name, ScriptOutputType type, String[] keys, String... args) {
        String sha = shas.get(name);
        RedisCommands<String, String> c = strings.sync();
        if (sha == null) {
            sha = c.scriptLoad(source(name));
            shas.put(name, sha);
        }
        try {
            return (T) c.evalsha(sha, type, keys, args);
        } catch (RedisNoScriptException e) {
            sha = c.scriptLoad(source(name)); // Redis restarted and lost its script cache
            shas.put(name, sha);
            return (T) c.evalsha(sha, type, keys, args);
        }
    }

    /**
     * Runs a script of this package without waiting: the stage completes on the connection's thread
     * when Redis answers. It goes on the connection Bucket4j's buckets use, so that a request's calls
     * stay on one thread. Its SHA must be known ({@link #load} at start); where Redis lost it (a restart),
     * the source is sent once more (EVAL caches it again).
     */
    @SuppressWarnings("unchecked")
    <T> CompletableFuture<T> runLater(String name, ScriptOutputType type, String[] keys, String... args) {
        String sha = shas.get(name);
        if (sha == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("script " + name + " was not loaded at start"));
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        byte[][] values = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            values[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        bytes.async().<T>evalsha(sha, type, keys, values).whenComplete((r, e) -> {
            if (e == null) {
                out.complete(r);
            } else if (e instanceof RedisNoScriptException) {
                bytes.async().<T>eval(source(name), type, keys, values).whenComplete((r2, e2) -> {
                    if (e2 == null) {
                        out.complete(r2);
                    } else {
                        out.completeExceptionally(e2);
                    }
                });
            } else {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** Loads a script into Redis now (waits), so that {@link #runLater} knows its SHA. */
    void load(String name) {
        shas.put(name, strings.sync().scriptLoad(source(name)));
    }

    private String source(String name) {
        return sources.computeIfAbsent(name, n -> {
            try (InputStream in = RedisLink.class.getResourceAsStream(n + ".lua")) {
                if (in == null) {
                    throw new IllegalStateException("script " + n + ".lua is not on the class path");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public void close() {
        bytes.close();
        strings.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
