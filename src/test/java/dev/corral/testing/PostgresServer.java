package dev.corral.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for the tests, started once per JVM in a temp dir on a random loopback
 * port (initdb, then postgres) and stopped at exit. It runs as a non-root user: as the {@code postgres}
 * system user Debian's package creates when the tests run as root (CI), as the current user otherwise.
 * Password authentication (scram) is on, so the tests go through the store's password handling, and
 * so is TLS, with a certificate for 127.0.0.1 from a throw-away CA ({@link #caFile}); plain connections are accepted too.
 * Without PostgreSQL the tests are skipped with the reason, unless CORRAL_REQUIRE_POSTGRES=1 (as in CI).
 */
public final class PostgresServer {
    /** The superuser the tests connect as, and its password (in {@link #passwordFile}). */
    public static final String USER = "corral";
    public static final String PASSWORD = "test-password-Zq7";

    private static PostgresServer instance;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path bin;
    private final Path dir;
    private final Path data;
    private final Path passwordFile;
    private final List<String> asUser;
    private final int port;
    private Process process;

    private PostgresServer(Path bin, Path dir, List<String> asUser, int port) {
        this.bin = bin;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.passwordFile = dir.resolve("password");
        this.asUser = asUser;
        this.port = port;
    }

    /** The shared server, started on first use; skips (or fails, with CORRAL_REQUIRE_POSTGRES=1) without PostgreSQL. */
    public static synchronized PostgresServer get() {
        if (instance != null) {
            return instance;
        }
        Path bin = findBin();
        if (bin == null) {
            String why = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): run scripts/test-deps.sh"
                    + " (apt-get install postgresql) to run the PostgreSQL store tests";
            if ("1".equals(System.getenv("CORRAL_REQUIRE_POSTGRES"))) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        try {
            boolean root = "root".equals(System.getProperty("user.name"));
            Path dir = Files.createTempDirectory("corral-pg-");
            List<String> asUser = root ? List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups") : List.of();
            PostgresServer pg = new PostgresServer(bin, dir, asUser, freePort());
            Files.writeString(pg.passwordFile, PASSWORD + "\n");
            dev.corral.tls.SelfSigned.write("127.0.0.1", 30, dir.resolve("tls"));
            if (root) {
                exec(List.of("chown", "-R", "postgres:postgres", dir.toString()), 30);
            }
            pg.exec(pg.cmd("initdb", "-D", pg.data.toString(), "-U", USER, "--pwfile=" + pg.passwordFile,
                    "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C"), 120);
            pg.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                pg.stop();
                deleteTree(dir);
            }));
            instance = pg;
            return pg;
        } catch (IOException | InterruptedException | java.security.GeneralSecurityException e) {
            throw new AssertionError("starting PostgreSQL failed: " + e, e);
        }
    }

    public int port() {
        return port;
    }

    /** A file holding the password (readable by this JVM), as an operator would give it. */
    public Path passwordFile() {
        return passwordFile;
    }

    /** The CA that signed the server's certificate (for sslmode=verify-full&sslrootcert=...). */
    public Path caFile() {
        return dir.resolve("tls").resolve("ca.pem");
    }

    /** A new, empty database; its name. */
    public String newDatabase() {
        String name = "t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new AssertionError("CREATE DATABASE failed: " + e, e);
        }
        return name;
    }

    /** The store URL of a database (no password: that comes from {@link #passwordFile}). */
    public String url(String database) {
        return "postgres://" + USER + "@127.0.0.1:" + port + "/" + database;
    }

    /** A plain JDBC connection as the superuser, for checks the store's API does not offer. */
    public Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", PASSWORD);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
    }

    /** Starts the server (again) and waits until it takes connections. */
    public synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> cmd = cmd("postgres", "-D", data.toString(), "-p", Integer.toString(port), "-k", dir.toString(),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200",
                "-c", "ssl=on", "-c", "ssl_cert_file=" + dir.resolve("tls").resolve("cert.pem"),
                "-c", "ssl_key_file=" + dir.resolve("tls").resolve("key.pem"));
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("postgres.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Connection c = connect("postgres")) {
                return;
            } catch (SQLException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("PostgreSQL did not start: " + e.getMessage() + "\n"
                            + Files.readString(dir.resolve("postgres.log")));
                }
                Thread.sleep(100);
            }
        }
    }

    /** Stops the server (fast shutdown: open connections are cut, as when a database host goes away). */
    public synchronized void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            exec(cmd("pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "stop"), 60);
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }

    private List<String> cmd(String program, String... args) {
        List<String> out = new ArrayList<>(asUser);
        out.add(bin.resolve(program).toString());
        out.addAll(List.of(args));
        return out;
    }

    private static String exec(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        return execIn(cmd, timeoutSeconds);
    }

    private static String execIn(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("corral-pg-", ".out");
        try {
            // Run from / so a user without access to the current directory (postgres) can start.
            Process p = new ProcessBuilder(cmd).directory(Path.of("/").toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd + " timed out");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(cmd + " exited " + p.exitValue() + ":\n" + text);
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static Path findBin() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("postgres")) && Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(b -> versionOf(b.getParent().getFileName().toString())))
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static int versionOf(String name) {
        try {
            return Integer.parseInt(name.replaceAll("\\D.*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at exit
        }
    }
}
