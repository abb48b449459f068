package dev.corral.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A host made of a fixture tree (files under a root) and canned command outputs. */
final class FixtureHost implements Host {
    final Path root;
    final Map<String, Result> commands = new HashMap<>();
    final Map<String, Result> programs = new HashMap<>();
    boolean root_ = true;

    FixtureHost(Path root) {
        this.root = root;
    }

    FixtureHost file(String absolute, String content) throws IOException {
        Path p = path(absolute);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return this;
    }

    FixtureHost command(String command, String out) {
        commands.put(command, new Result(0, out, "", false));
        return this;
    }

    FixtureHost failing(String command, String err) {
        commands.put(command, new Result(1, "", err, false));
        return this;
    }

    /** Every run of this program (any arguments) fails with this error, as systemctl does without systemd. */
    FixtureHost failingProgram(String program, String err) {
        programs.put(program, new Result(1, "", err, false));
        return this;
    }

    /** A process: /proc/PID/cmdline, comm, environ, and fds pointing at socket inodes. */
    FixtureHost process(int pid, String comm, List<String> argv, Map<String, String> environ, String... socketInodes)
            throws IOException {
        file("/proc/" + pid + "/comm", comm + "\n");
        file("/proc/" + pid + "/cmdline", String.join("\0", argv) + "\0");
        StringBuilder env = new StringBuilder();
        environ.forEach((k, v) -> env.append(k).append('=').append(v).append('\0'));
        file("/proc/" + pid + "/environ", env.toString());
        Path fd = path("/proc/" + pid + "/fd");
        Files.createDirectories(fd);
        int n = 3;
        for (String inode : socketInodes) {
            Files.createSymbolicLink(fd.resolve(String.valueOf(n++)), Path.of("socket:[" + inode + "]"));
        }
        return this;
    }

    @Override
    public Path path(String absolute) {
        return root.resolve(absolute.substring(1));
    }

    @Override
    public Result run(List<String> command) {
        Result canned = commands.get(String.join(" ", command));
        return canned != null ? canned : programs.getOrDefault(command.get(0), Result.notFound());
    }

    @Override
    public boolean isRoot() {
        return root_;
    }

    @Override
    public Map<String, String> env() {
        return Map.of("PATH", "/usr/local/bin:/usr/bin");
    }

    static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
