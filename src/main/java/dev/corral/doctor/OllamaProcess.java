package dev.corral.doctor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the doctor knows about the running Ollama: its unit's Environment= (systemctl show) and, when
 * readable, the environment of the `ollama serve` process itself (/proc/PID/environ). The process
 * wins where both set a variable: it is what Ollama really runs with.
 */
final class OllamaProcess {
    final Map<String, String> env = new LinkedHashMap<>();
    final List<String> sources = new ArrayList<>();
    final List<String> problems = new ArrayList<>();
    String pid;
    /** Why systemctl could not be asked, when it could not; its sentence is also in {@link #problems}. */
    Finding.Reason systemdUnavailable;
    boolean systemd;
    boolean unitLoaded;

    static OllamaProcess inspect(Host host, String unit) {
        OllamaProcess p = new OllamaProcess();
        Host.Result show = host.run(List.of("systemctl", "show", unit, "-p", "LoadState", "-p", "Environment"));
        p.systemdUnavailable = Systemd.unavailable(show, unit);
        if (p.systemdUnavailable != null) {
            p.problems.add(p.systemdUnavailable.full());
        } else {
            p.systemd = true;
            Map<String, String> props = SystemdProperties.parse(show.out());
            p.unitLoaded = "loaded".equals(props.get("LoadState"));
            if (p.unitLoaded) {
                p.env.putAll(SystemdProperties.environment(props.getOrDefault("Environment", "")));
                p.sources.add("systemctl show " + unit);
            } else {
                p.problems.add("unit " + unit + " is " + props.getOrDefault("LoadState", "unknown"));
            }
        }
        p.pid = findServePid(host);
        if (p.pid != null) {
            Path environ = host.path("/proc/" + p.pid + "/environ");
            try {
                for (String kv : new String(Files.readAllBytes(environ), StandardCharsets.UTF_8).split("\0")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0 && kv.startsWith("OLLAMA_")) {
                        p.env.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                }
                p.sources.add("/proc/" + p.pid + "/environ");
            } catch (IOException e) {
                p.problems.add("/proc/" + p.pid + "/environ is not readable" + (host.isRoot() ? "" : " (run as root)"));
            }
        } else {
            p.problems.add("no running `ollama serve` process found");
        }
        return p;
    }

    /** The pid of a process whose command line is `ollama serve`, or null. */
    static String findServePid(Host host) {
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(host.path("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                try {
                    byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
                    String[] argv = new String(raw, StandardCharsets.UTF_8).split("\0");
                    if (argv.length >= 2 && (argv[0].equals("ollama") || argv[0].endsWith("/ollama")) && argv[1].equals("serve")) {
                        return proc.getFileName().toString();
                    }
                } catch (IOException ignored) {
                    // a process that ended, or one we may not read
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    String describeSources() {
        return sources.isEmpty() ? "no source could be read" : String.join(" and ", sources);
    }

    static String firstLine(String s) {
        String t = s == null ? "" : s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
