package dev.corral.doctor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The machine the doctor runs on. */
public final class LocalHost implements Host {
    private static final long TIMEOUT_SECONDS = 30;

    @Override
    public Path path(String absolute) {
        return Path.of(absolute);
    }

    @Override
    public Result run(List<String> command) {
        if (!onPath(command.get(0))) {
            return Result.notFound();
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().put("LC_ALL", "C");
            pb.environment().put("SYSTEMD_COLORS", "0");
            Path err = Files.createTempFile("corral-doctor-", ".err");
            try {
                pb.redirectError(err.toFile());
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                Process p = pb.start();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Result(124, new String(out, StandardCharsets.UTF_8), "timed out", false);
                }
                return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(err), false);
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new Result(126, "", e.getMessage() == null ? e.toString() : e.getMessage(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, "", "interrupted", false);
        }
    }

    @Override
    public boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    @Override
    public Map<String, String> env() {
        return System.getenv();
    }

    private boolean onPath(String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program));
        }
        String path = env().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
