package dev.corral.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * 4. Who can open the GPU directly: human accounts (uid >= 1000 with a login shell) in the video
 * or render groups can read other users' GPU memory and bypass Corral entirely.
 */
public final class GpuGroupCheck implements Check {
    static final String ID = "gpu.groups";
    private static final String TITLE = "No human accounts in the video and render groups";

    @Override
    public List<Finding> run(Host host, DoctorOptions options) {
        List<String> group;
        List<String> passwd;
        try {
            group = Files.readAllLines(host.path("/etc/group"));
            passwd = Files.readAllLines(host.path("/etc/passwd"));
        } catch (IOException e) {
            return List.of(Finding.skip(ID, TITLE, "cannot read /etc/group or /etc/passwd: " + e.getMessage()));
        }
        Map<String, String[]> users = new HashMap<>();
        for (String line : passwd) {
            String[] f = line.split(":", -1);
            if (f.length >= 7) {
                users.put(f[0], f);
            }
        }
        List<String> problems = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        for (String line : group) {
            String[] f = line.split(":", -1);
            if (f.length < 4 || !(f[0].equals("video") || f[0].equals("render"))) {
                continue;
            }
            Set<String> members = new LinkedHashSet<>();
            for (String m : f[3].split(",")) {
                if (!m.isBlank()) {
                    members.add(m.trim());
                }
            }
            for (String[] u : users.values()) {
                if (u[3].equals(f[2])) {
                    members.add(u[0]); // primary group
                }
            }
            for (String m : members) {
                String[] u = users.get(m);
                if (u != null && human(u)) {
                    problems.add(m + " (uid " + u[2] + ", " + u[6] + ") in " + f[0]);
                    fixes.add("gpasswd -d " + m + " " + f[0]);
                }
            }
        }
        if (problems.isEmpty()) {
            return List.of(Finding.pass(ID, TITLE, "only system accounts are in video/render"));
        }
        return List.of(Finding.warn(ID, TITLE, String.join("; ", problems)
                        + ": they can use the GPU directly, outside Corral's keys and limits",
                String.join(" && ", fixes) + " (they lose direct GPU access; the service user keeps it)"));
    }

    static boolean human(String[] u) {
        int uid;
        try {
            uid = Integer.parseInt(u[2]);
        } catch (NumberFormatException e) {
            return false;
        }
        String shell = u[6];
        return uid >= 1000 && uid != 65534 && !shell.endsWith("nologin") && !shell.endsWith("/false")
                && !shell.endsWith("/sync") && !shell.isBlank();
    }
}
