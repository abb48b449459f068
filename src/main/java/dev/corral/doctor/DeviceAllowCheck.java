package dev.corral.doctor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Whether the unit's device allow-list reaches the GPU this host has. systemd resolves each
 * DeviceAllow=char-GROUP against the group names of /proc/devices when the unit starts (a glob,
 * fnmatch) and silently skips a group that matches nothing (systemd.resource-control(5): "Any device
 * groups not resolvable then are not added to the device allow list"; bpf-devices.c returns 0
 * without a log line). NVIDIA renamed major 195 in driver 550 from "nvidia-frontend" to "nvidia" and
 * "nvidiactl" (550.40.07 release notes), so an allow-list written for one naming hides /dev/nvidia0
 * and /dev/nvidiactl under the other, and CUDA falls back to the CPU without an error.
 *
 * <p>Decides only: the caller reads the unit and /proc/devices through {@link Host}.
 */
final class DeviceAllowCheck {
    static final String ID = "ollama.systemd.devices";
    static final String TITLE = "The device allow-list reaches the GPU";
    private static final String APPLY = "then: systemctl daemon-reload && systemctl restart ollama";

    /** One device the GPU runtime opens, under every name /proc/devices has given it. */
    private record Role(String family, String what, List<String> names) {}

    private static final Role NVIDIA_GPU = new Role("NVIDIA", "/dev/nvidia0.. and /dev/nvidiactl (major 195)",
            List.of("nvidia-frontend", "nvidia", "nvidiactl"));
    private static final Role NVIDIA_UVM = new Role("NVIDIA", "/dev/nvidia-uvm (CUDA)", List.of("nvidia-uvm"));
    private static final Role NVIDIA_CAPS = new Role("NVIDIA", "/dev/nvidia-caps/* (MIG)", List.of("nvidia-caps"));
    private static final Role AMD_KFD = new Role("AMD", "/dev/kfd (ROCm compute)", List.of("kfd"));
    private static final Role AMD_DRM = new Role("AMD", "/dev/dri/* (render nodes)", List.of("drm"));
    private static final List<Role> ROLES = List.of(NVIDIA_GPU, NVIDIA_UVM, NVIDIA_CAPS, AMD_KFD, AMD_DRM);

    private DeviceAllowCheck() {}

    /**
     * @param deviceAllow  the unit's DeviceAllow= entries ("char-nvidia rw", "/dev/kfd rw"), in order
     * @param devicePolicy the unit's DevicePolicy= ("auto" when unset)
     * @param procDevices  the text of /proc/devices, or null when it cannot be read
     * @param exists       whether a /dev path exists on the host
     */
    static Finding decide(List<String> deviceAllow, String devicePolicy, String procDevices, Predicate<String> exists) {
        String policy = devicePolicy == null || devicePolicy.isEmpty() ? "auto" : devicePolicy;
        if (policy.equals("auto") && deviceAllow.isEmpty()) {
            return Finding.pass(ID, TITLE, "no device allow-list (DevicePolicy=auto, no DeviceAllow=): the GPU is not fenced off");
        }
        if (procDevices == null) {
            return Finding.skip(ID, TITLE, "cannot read /proc/devices to resolve the DeviceAllow=char-* groups");
        }
        Map<String, Integer> groups = characterGroups(procDevices);
        Set<String> families = new LinkedHashSet<>();
        for (Role r : ROLES) {
            if (r != AMD_DRM && r.names().stream().anyMatch(groups::containsKey)) {
                families.add(r.family());
            }
        }
        if (families.isEmpty()) {
            return Finding.skip(ID, TITLE, "no GPU driver in /proc/devices (no nvidia, nvidiactl, nvidia-frontend or kfd group)");
        }

        // What the list really allows on this host: the majors its char- groups resolve to, the paths that exist.
        Set<Integer> majors = new LinkedHashSet<>();
        Set<Role> byPath = new LinkedHashSet<>();
        List<String> unresolved = new ArrayList<>();
        List<String> readOnly = new ArrayList<>();
        for (String entry : deviceAllow) {
            String[] w = entry.trim().split("\\s+");
            String spec = w[0];
            String access = w.length > 1 ? w[1] : "rwm";
            boolean rw = access.contains("r") && access.contains("w");
            if (spec.startsWith("char-")) {
                String pattern = spec.substring(5);
                Pattern glob = glob(pattern);
                List<String> hits = groups.keySet().stream().filter(g -> glob.matcher(g).matches()).toList();
                if (hits.isEmpty()) {
                    if (gpuRole(glob) != null) {
                        unresolved.add(spec);
                    }
                    continue;
                }
                if (!rw) {
                    if (hits.stream().anyMatch(DeviceAllowCheck::isGpuGroup)) {
                        readOnly.add("DeviceAllow=" + entry.trim());
                    }
                    continue;
                }
                hits.forEach(h -> majors.add(groups.get(h)));
            } else if (spec.startsWith("/dev/") && rw && exists.test(spec)) {
                Role r = roleOfPath(spec);
                if (r != null) {
                    byPath.add(r);
                }
            }
        }

        List<String> reached = new ArrayList<>();
        List<Role> blocked = new ArrayList<>();
        for (Role r : ROLES) {
            List<String> present = r.names().stream().filter(groups::containsKey).toList();
            if (!families.contains(r.family()) || present.isEmpty()) {
                continue; // the device is not on this host: nothing to reach
            }
            if (byPath.contains(r) || present.stream().allMatch(n -> majors.contains(groups.get(n)))) {
                present.forEach(n -> reached.add(n + " (" + groups.get(n) + ")"));
            } else if (r != NVIDIA_CAPS) { // MIG only: its absence does not stop inference
                blocked.add(r);
            }
        }

        String ignored = unresolved.isEmpty() ? "" : "; not in /proc/devices, so skipped by systemd: "
                + String.join(", ", unresolved) + (nvidiaNaming(groups).isEmpty() ? "" : " (" + nvidiaNaming(groups) + ")");
        if (blocked.isEmpty() && readOnly.isEmpty()) {
            return Finding.pass(ID, TITLE, "DeviceAllow reaches " + String.join(", ", reached) + ignored);
        }
        List<String> why = new ArrayList<>();
        Set<String> fix = new LinkedHashSet<>();
        for (Role r : blocked) {
            List<String> present = r.names().stream().filter(groups::containsKey).toList();
            List<String> named = unresolved.stream().filter(u -> r.names().stream().anyMatch(n -> glob(u.substring(5)).matcher(n).matches()))
                    .toList();
            String what = r.what() + " blocked: ";
            why.add(what + (named.isEmpty()
                    ? "no DeviceAllow= line names " + String.join(" or ", present)
                    : String.join(", ", named.stream().map(n -> "DeviceAllow=" + n).toList()) + " names no group in /proc/devices"
                            + (r == NVIDIA_GPU ? ", which calls major 195 " + String.join(" and ", present) : "")));
            present.forEach(n -> fix.add("DeviceAllow=char-" + n + " rw"));
        }
        for (String ro : readOnly) {
            why.add(ro + " lacks rw: the GPU runtime opens its devices read-write");
        }
        String evidence = String.join("; ", why) + ". Ollama falls back to the CPU without an error"
                + (reached.isEmpty() ? "" : "; reached: " + String.join(", ", reached));
        String fixText = (fix.isEmpty() ? "give the GPU lines rw access" : "add " + String.join(" and ", fix))
                + " under [Service] in ollama.service.d/override.conf (`corral harden ollama --gpu --write` lists every"
                + " naming), " + APPLY;
        return Finding.fail(ID, TITLE, evidence, fixText);
    }

    /** The "Character devices:" section of /proc/devices: group name to major. */
    static Map<String, Integer> characterGroups(String procDevices) {
        Map<String, Integer> out = new LinkedHashMap<>();
        boolean chars = false;
        for (String raw : procDevices.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                chars = false;
                continue;
            }
            if (line.endsWith(":")) {
                chars = line.equals("Character devices:");
                continue;
            }
            if (!chars) {
                continue;
            }
            String[] f = line.split("\\s+", 2);
            if (f.length == 2) {
                try {
                    out.putIfAbsent(f[1], Integer.parseInt(f[0]));
                } catch (NumberFormatException e) {
                    // not a "major name" line
                }
            }
        }
        return out;
    }

    private static String nvidiaNaming(Map<String, Integer> groups) {
        if (groups.containsKey("nvidia") || groups.containsKey("nvidiactl")) {
            return "this NVIDIA driver (550 or newer) names major 195 nvidia and nvidiactl";
        }
        return groups.containsKey("nvidia-frontend") ? "this NVIDIA driver (before 550) names major 195 nvidia-frontend" : "";
    }

    private static boolean isGpuGroup(String name) {
        return ROLES.stream().anyMatch(r -> r.names().contains(name));
    }

    private static Role gpuRole(Pattern glob) {
        for (Role r : ROLES) {
            if (r.names().stream().anyMatch(n -> glob.matcher(n).matches())) {
                return r;
            }
        }
        return null;
    }

    private static Role roleOfPath(String path) {
        if (path.matches("/dev/nvidia(\\d+|ctl)")) {
            return NVIDIA_GPU;
        }
        if (path.startsWith("/dev/nvidia-uvm")) {
            return NVIDIA_UVM;
        }
        if (path.startsWith("/dev/nvidia-caps")) {
            return NVIDIA_CAPS;
        }
        if (path.equals("/dev/kfd")) {
            return AMD_KFD;
        }
        return path.startsWith("/dev/dri/") ? AMD_DRM : null;
    }

    /** fnmatch(3) without flags, as systemd matches group names: * and ? also match '/', [...] is a class. */
    static Pattern glob(String pattern) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int end = pattern.indexOf(']', i + 2);
                    if (end < 0) {
                        re.append("\\[");
                    } else {
                        String body = pattern.substring(i + 1, end);
                        if (body.startsWith("!")) {
                            body = "^" + body.substring(1);
                        }
                        re.append('[').append(body.replace("\\", "\\\\")).append(']');
                        i = end;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
