package dev.corral.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs scripts in src/test/js with Node, installing the pinned npm clients (npm ci) on first use.
 * Without Node the client tests are skipped with the reason, unless CORRAL_REQUIRE_NODE=1 (as in CI),
 * where a missing Node fails them.
 */
public final class NodeClients {
    private static final Path DIR = Path.of("src", "test", "js").toAbsolutePath();
    private static boolean installed;

    private NodeClients() {}

    public static void requireNode() throws IOException, InterruptedException {
        boolean have = onPath("node") && onPath("npm");
        if (!have) {
            String why = "node and npm are not on PATH: install Node.js 20+ (apt-get install nodejs npm) to run the npm client tests";
            if ("1".equals(System.getenv("CORRAL_REQUIRE_NODE"))) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        install();
    }

    private static synchronized void install() throws IOException, InterruptedException {
        if (installed) {
            return;
        }
        Path marker = DIR.resolve("node_modules").resolve(".package-lock.json");
        if (!Files.exists(marker) || Files.getLastModifiedTime(marker).compareTo(
                Files.getLastModifiedTime(DIR.resolve("package-lock.json"))) < 0) {
            String out = exec(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), Map.of(), 300);
            if (!Files.exists(marker)) {
                throw new AssertionError("npm ci did not install the clients:\n" + out);
            }
        }
        installed = true;
    }

    /** Runs {@code node script} in src/test/js with extra environment; returns standard output. */
    public static String run(String script, Map<String, String> env) throws IOException, InterruptedException {
        return exec(List.of("node", script), env, 120);
    }

    private static String exec(List<String> cmd, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(DIR.toFile());
        pb.environment().putAll(env);
        Path err = Files.createTempFile("node-", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + "s");
        }
        String stderr = Files.readString(err);
        Files.deleteIfExists(err);
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + stderr);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }
}
