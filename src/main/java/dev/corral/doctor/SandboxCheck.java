package dev.corral.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 3. systemd sandboxing of ollama.service: its properties against the hardened baseline, and the
 * exposure score of `systemd-analyze security` (live unit) or `--offline=true` (a unit file). On a
 * GPU host the sandbox must leave the GPU usable: PrivateDevices=no (it hides /dev/nvidia* and
 * /dev/dri) and MemoryDenyWriteExecute=no (CUDA compiles kernels at run time into W+X memory).
 */
public final class SandboxCheck implements Check {
    static final double PASS_SCORE = 2.0;
    static final double WARN_SCORE = 5.0;
    private static final Pattern SCORE = Pattern.compile("Overall exposure level for \\S+: ([0-9]+(?:\\.[0-9]+)?)");
    private static final String FIX = "corral harden ollama --write (or --gpu/--cpu), then: systemctl daemon-reload && systemctl restart ollama";

    /** The hardened baseline: property, what passes, and how to say it. */
    private record Rule(String property, Predicate<String> ok, String want) {}

    private static final List<Rule> BASELINE = List.of(
            new Rule("NoNewPrivileges", SandboxCheck::yes, "yes"),
            new Rule("ProtectSystem", v -> v.equals("strict"), "strict"),
            new Rule("ProtectHome", v -> yes(v) || v.equals("read-only") || v.equals("tmpfs"), "yes"),
            new Rule("PrivateTmp", SandboxCheck::yes, "yes"),
            new Rule("ProtectKernelTunables", SandboxCheck::yes, "yes"),
            new Rule("ProtectKernelModules", SandboxCheck::yes, "yes"),
            new Rule("ProtectKernelLogs", SandboxCheck::yes, "yes"),
            new Rule("ProtectControlGroups", SandboxCheck::yes, "yes"),
            new Rule("RestrictNamespaces", v -> yes(v), "yes"),
            new Rule("RestrictSUIDSGID", SandboxCheck::yes, "yes"),
            new Rule("RestrictRealtime", SandboxCheck::yes, "yes"),
            new Rule("LockPersonality", SandboxCheck::yes, "yes"),
            new Rule("CapabilityBoundingSet", String::isEmpty, "(empty)"),
            new Rule("SystemCallFilter", v -> !v.isEmpty(), "@system-service"),
            new Rule("MemoryMax", v -> !v.isEmpty() && !v.equals("infinity"), "a limit"),
            new Rule("TasksMax", v -> !v.isEmpty() && !v.equals("infinity"), "a limit"),
            new Rule("DevicePolicy", v -> v.equals("closed") || v.equals("strict"), "closed"));

    @Override
    public List<Finding> run(Host host, DoctorOptions options) {
        Map<String, String> props;
        List<String> deviceAllow;
        String analyzed;
        Host.Result analyze;
        if (options.unitFile() != null) {
            Path f = options.unitFile();
            try {
                String text = Files.readString(f);
                props = unitFileProperties(text);
                deviceAllow = unitFileList(text, "DeviceAllow");
            } catch (IOException e) {
                return List.of(Finding.skip("ollama.systemd.sandbox", "ollama.service is sandboxed", "cannot read " + f));
            }
            analyzed = f.toString();
            analyze = host.run(List.of("systemd-analyze", "security", "--offline=true", f.toString()));
        } else {
            List<String> cmd = new ArrayList<>(List.of("systemctl", "show", options.unit(), "-p", "LoadState",
                    "-p", "PrivateDevices", "-p", "MemoryDenyWriteExecute", "-p", "DeviceAllow"));
            for (Rule r : BASELINE) {
                cmd.add("-p");
                cmd.add(r.property());
            }
            Host.Result show = host.run(cmd);
            Finding.Reason down = Systemd.unavailable(show, options.unit());
            if (down != null) {
                String why = down.full() + "; give --unit-file FILE to analyse a unit file offline";
                return List.of(Finding.skip("ollama.systemd.sandbox", "ollama.service is sandboxed", down, why),
                        Finding.skip("ollama.systemd.exposure", "ollama.service exposure score", down, why));
            }
            props = SystemdProperties.parse(show.out());
            deviceAllow = SystemdProperties.values(show.out(), "DeviceAllow");
            if (!"loaded".equals(props.get("LoadState"))) {
                String why = "unit " + options.unit() + " is " + props.getOrDefault("LoadState", "unknown");
                return List.of(Finding.skip("ollama.systemd.sandbox", "ollama.service is sandboxed", why),
                        Finding.skip("ollama.systemd.exposure", "ollama.service exposure score", why));
            }
            analyzed = options.unit() + ".service";
            analyze = host.run(List.of("systemd-analyze", "security", options.unit() + ".service"));
        }
        List<Finding> out = new ArrayList<>();
        List<String> unmet = new ArrayList<>();
        for (Rule r : BASELINE) {
            String v = props.getOrDefault(r.property(), "");
            if (!r.ok().test(v)) {
                unmet.add(r.property() + "=" + (v.isEmpty() ? "(unset)" : v) + " (want " + r.want() + ")");
            }
        }
        out.add(unmet.isEmpty()
                ? Finding.pass("ollama.systemd.sandbox", "ollama.service is sandboxed", analyzed + " meets the baseline")
                : Finding.warn("ollama.systemd.sandbox", "ollama.service is sandboxed",
                        analyzed + " misses " + unmet.size() + " of " + BASELINE.size() + ": " + String.join(", ", unmet), FIX));
        out.add(exposure(analyze, analyzed));
        out.add(gpu(host, props));
        out.add(DeviceAllowCheck.decide(deviceAllow, props.getOrDefault("DevicePolicy", "auto"), procDevices(host),
                d -> Files.exists(host.path(d))));
        return out;
    }

    private static Finding exposure(Host.Result r, String analyzed) {
        String title = "ollama.service exposure score";
        if (r.missing()) {
            return Finding.skip("ollama.systemd.exposure", title, "systemd-analyze is not installed (apt-get install systemd)");
        }
        Matcher m = SCORE.matcher(r.out() + "\n" + r.err());
        if (!m.find()) {
            return Finding.skip("ollama.systemd.exposure", title, "systemd-analyze security gave no score: "
                    + OllamaProcess.firstLine(r.err()));
        }
        double score = Double.parseDouble(m.group(1));
        String ev = "systemd-analyze security " + analyzed + ": " + score + " (0 = locked down, 10 = fully exposed)";
        if (score <= PASS_SCORE) {
            return Finding.pass("ollama.systemd.exposure", title, ev);
        }
        return score <= WARN_SCORE ? Finding.warn("ollama.systemd.exposure", title, ev, FIX)
                : Finding.fail("ollama.systemd.exposure", title, ev, FIX);
    }

    private static Finding gpu(Host host, Map<String, String> props) {
        String title = "The sandbox leaves the GPU usable";
        List<String> devices = new ArrayList<>();
        for (String d : new String[] {"/dev/nvidiactl", "/dev/nvidia0", "/dev/kfd", "/dev/dri/renderD128"}) {
            if (Files.exists(host.path(d))) {
                devices.add(d);
            }
        }
        if (devices.isEmpty()) {
            return Finding.skip("ollama.systemd.gpu", title, "no GPU device nodes on this host");
        }
        List<String> wrong = new ArrayList<>();
        if (yes(props.getOrDefault("PrivateDevices", ""))) {
            wrong.add("PrivateDevices=yes hides " + String.join(", ", devices) + " and Ollama falls back to the CPU");
        }
        boolean nvidia = devices.stream().anyMatch(d -> d.contains("nvidia"));
        if (nvidia && yes(props.getOrDefault("MemoryDenyWriteExecute", ""))) {
            wrong.add("MemoryDenyWriteExecute=yes breaks CUDA, which compiles kernels into writable+executable memory");
        }
        return wrong.isEmpty() ? Finding.pass("ollama.systemd.gpu", title, "GPU devices " + String.join(", ", devices)
                + " stay reachable")
                : Finding.fail("ollama.systemd.gpu", title, String.join("; ", wrong),
                        "corral harden ollama --gpu --write (device allow-list instead of PrivateDevices)");
    }

    private static String procDevices(Host host) {
        try {
            return Files.readString(host.path("/proc/devices"));
        } catch (IOException e) {
            return null;
        }
    }

    /** Every value of a list setting in [Service], in order; an empty assignment clears the ones before it. */
    static List<String> unitFileList(String text, String key) {
        List<String> out = new ArrayList<>();
        boolean service = false;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("[")) {
                service = line.equals("[Service]");
                continue;
            }
            int eq = line.indexOf('=');
            if (service && eq > 0 && line.substring(0, eq).strip().equals(key)) {
                String v = line.substring(eq + 1).strip();
                if (v.isEmpty()) {
                    out.clear();
                } else {
                    out.add(v);
                }
            }
        }
        return out;
    }

    /** The [Service] settings of a unit file, the last assignment winning, booleans as systemd prints them. */
    static Map<String, String> unitFileProperties(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        boolean service = false;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("[")) {
                service = line.equals("[Service]");
                continue;
            }
            if (!service || line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq > 0) {
                String k = line.substring(0, eq).strip();
                String v = line.substring(eq + 1).strip();
                String lower = v.toLowerCase(Locale.ROOT);
                if (lower.equals("true") || lower.equals("1") || lower.equals("on")) {
                    v = "yes";
                } else if (lower.equals("false") || lower.equals("0") || lower.equals("off")) {
                    v = "no";
                }
                if (k.equals("SystemCallFilter") || k.equals("DeviceAllow")) {
                    v = v.isEmpty() ? "" : (out.getOrDefault(k, "") + " " + v).strip();
                }
                out.put(k, v);
            }
        }
        return out;
    }

    static boolean yes(String v) {
        return v.equals("yes") || v.equals("true") || v.equals("1");
    }
}
