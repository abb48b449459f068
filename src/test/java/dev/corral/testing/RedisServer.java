package dev.corral.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real redis-server for the shared-limits tests: started once per JVM ({@link #shared}) on a free
 * port in a temp dir, without persistence or a Unix socket, and stopped at exit. Tests that need it
 * stopped and started again (failure behaviour) use {@link #stop} and {@link #start} on it, or start
 * their own with {@link #startNew}. Without redis-server the tests are skipped with the reason, unless
 * CORRAL_REQUIRE_REDIS=1 (as in CI), where a missing redis-server fails them.
 */
public final class RedisServer implements AutoCloseable {
    private static RedisServer shared;

    private final Path dir;
    private final int port;
    /** The TLS files when it speaks only TLS (rediss://), else null. */
    private final Path[] tls;
    private Process process;

    private RedisServer(Path dir, int port, Path[] tls) {
        this.dir = dir;
        this.port = port;
        this.tls = tls;
    }

    /** The JVM's one server, started on first use (skips or fails the test without redis-server). */
    public static synchronized RedisServer shared() throws IOException, InterruptedException {
        if (shared == null) {
            RedisServer s = startNew();
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
            shared = s;
        }
        if (!shared.running()) {
            shared.start();
        }
        return shared;
    }

    /** A server of its own, on a new free port; the caller closes it. */
    public static RedisServer startNew() throws IOException, InterruptedException {
        requireRedis();
        RedisServer s = new RedisServer(Files.createTempDirectory("corral-redis-"), freePort(), null);
        s.start();
        return s;
    }

    /** A server of its own that speaks only TLS, with this certificate and key; the caller closes it. */
    public static RedisServer startTls(Path cert, Path key) throws IOException, InterruptedException {
        requireRedis();
        RedisServer s = new RedisServer(Files.createTempDirectory("corral-redis-tls-"), freePort(), new Path[] {cert, key});
        s.start();
        return s;
    }

    public static void requireRedis() {
        if (binary() == null) {
            String why = "redis-server is not on PATH: install it (apt-get install redis-server, or scripts/test-deps.sh)"
                    + " to run the shared-limits tests";
            if ("1".equals(System.getenv("CORRAL_REQUIRE_REDIS"))) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
    }

    /** redis://127.0.0.1:PORT/0, or rediss:// for a TLS server */
    public String url() {
        return (tls == null ? "redis" : "rediss") + "://127.0.0.1:" + port + "/0";
    }

    public int port() {
        return port;
    }

    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /** Starts the server (again) on the same port, and waits until it answers PING. */
    public synchronized void start() throws IOException, InterruptedException {
        if (running()) {
            return;
        }
        List<String> args = new java.util.ArrayList<>(List.of(binary().toString(), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--unixsocket", "", "--dir", dir.toString(), "--daemonize", "no", "--protected-mode", "yes",
                "--loglevel", "warning"));
        if (tls == null) {
            args.addAll(List.of("--port", String.valueOf(port)));
        } else {
            args.addAll(List.of("--port", "0", "--tls-port", String.valueOf(port), "--tls-cert-file", tls[0].toString(),
                    "--tls-key-file", tls[1].toString(), "--tls-auth-clients", "no"));
        }
        ProcessBuilder pb = new ProcessBuilder(args)
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile());
        process = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (tls == null ? !"+PONG".equals(command("PING")) : !accepts()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String log = Files.exists(dir.resolve("redis.log")) ? Files.readString(dir.resolve("redis.log")) : "";
                process.destroyForcibly();
                throw new AssertionError("redis-server did not start on port " + port + ":\n" + log);
            }
            Thread.sleep(20);
        }
    }

    /** Kills the server (as a crash would) and waits until it is gone; its data is lost (no persistence). */
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        process = null;
    }

    /** Deletes every key (between tests sharing the server). */
    public void flush() {
        String r = command("FLUSHALL");
        if (!"+OK".equals(r)) {
            throw new AssertionError("FLUSHALL answered " + r);
        }
    }

    /**
     * One inline command and its reply: a status or integer reply as its line ("+OK", ":3"), a bulk
     * string as its value, a missing one as "(nil)"; null when the server does not answer.
     */
    public String command(String line) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            String first = line(in);
            if (first.startsWith("$")) {
                if (first.equals("$-1")) {
                    return "(nil)";
                }
                byte[] bulk = in.readNBytes(Integer.parseInt(first.substring(1))); // whole, also when it has lines (INFO)
                return new String(bulk, StandardCharsets.UTF_8);
            }
            return first;
        } catch (IOException e) {
            return null;
        }
    }

    /** The port takes connections (a TLS server answers no plain command). */
    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\r') {
            sb.append((char) c);
        }
        in.read(); // the \n
        return sb.toString();
    }

    @Override
    public synchronized void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind
        }
    }

    private static Path binary() {
        String path = System.getenv("PATH");
        for (String d : (path == null ? "" : path).split(java.io.File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, "redis-server");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        Path sbin = Path.of("/usr/bin/redis-server");
        return Files.isExecutable(sbin) ? sbin : null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
