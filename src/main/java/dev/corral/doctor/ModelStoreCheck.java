package dev.corral.doctor;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * 5. The model store and its parents up to Ollama's home: owned by the service user, directories
 * 0700, files 0600, so other users can neither read the models nor swap a blob. Only with --fix does
 * it change anything, printing each change; without it, it prints what --fix would do.
 */
public final class ModelStoreCheck implements Check {
    static final String ID = "ollama.models.permissions";
    private static final String TITLE = "The model store is private to the Ollama user";
    static final String DEFAULT_STORE = "/usr/share/ollama/.ollama/models";
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final int SHOWN = 10;

    private final PrintWriter changes;

    /** @param changes where --fix reports each change it makes */
    public ModelStoreCheck(PrintWriter changes) {
        this.changes = changes;
    }

    /** A path that is not as it should be, and the commands that fix it. */
    record Wrong(Path hostPath, String shown, String problem, List<String> commands, boolean dir) {}

    @Override
    public List<Finding> run(Host host, DoctorOptions options) {
        String store = storePath(host, options);
        Path root = host.path(store);
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return List.of(Finding.skip(ID, TITLE, "no model store at " + store
                    + (options.modelsDir() == null ? " (give --models-dir, or set OLLAMA_MODELS)" : "")));
        }
        String owner = options.storeOwner();
        List<Wrong> wrong = new ArrayList<>();
        try {
            for (String parent : parents(host, store, owner)) {
                inspect(host.path(parent), parent, owner, true, wrong);
            }
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    inspect(dir, shown(store, root, dir), owner, true, wrong);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isRegularFile()) {
                        inspect(file, shown(store, root, file), owner, false, wrong);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            return List.of(Finding.skip(ID, TITLE, "cannot read " + store + ": " + e.getMessage()
                    + (host.isRoot() ? "" : " (run as root)")));
        }
        if (wrong.isEmpty()) {
            return List.of(Finding.pass(ID, TITLE, store + " and its parents: owner " + owner + ", directories 0700, files 0600"));
        }
        List<String> examples = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        for (Wrong w : wrong) {
            if (examples.size() < SHOWN) {
                examples.add(w.shown() + " " + w.problem());
            }
            commands.addAll(w.commands());
        }
        String evidence = wrong.size() + " path(s) under " + store + " are not private: " + String.join("; ", examples)
                + (wrong.size() > SHOWN ? "; and " + (wrong.size() - SHOWN) + " more" : "");
        if (options.fix()) {
            int done = 0;
            List<String> failed = new ArrayList<>();
            for (Wrong w : wrong) {
                try {
                    apply(w, owner);
                    for (String c : w.commands()) {
                        changes.println("fixed: " + c);
                    }
                    done++;
                } catch (IOException | UnsupportedOperationException e) {
                    failed.add(w.shown() + ": " + e.getMessage());
                }
            }
            changes.flush();
            if (failed.isEmpty()) {
                return List.of(Finding.pass(ID, TITLE, "fixed " + done + " path(s) under " + store + " (was: " + evidence + ")"));
            }
            return List.of(Finding.fail(ID, TITLE, "--fix could not change " + failed.size() + " path(s): "
                    + String.join("; ", failed.subList(0, Math.min(SHOWN, failed.size()))), "run as root: corral doctor --fix"));
        }
        String fix = commands.size() <= SHOWN ? String.join(" && ", commands)
                : "corral doctor --fix (runs " + commands.size() + " chown/chmod commands, e.g. " + commands.get(0) + ")";
        return List.of(Finding.fail(ID, TITLE, evidence, fix));
    }

    private static void inspect(Path p, String shown, String owner, boolean dir, List<Wrong> out) throws IOException {
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        List<String> problems = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        if (!a.owner().getName().equals(owner)) {
            problems.add("owner " + a.owner().getName());
            commands.add("chown " + owner + ":" + owner + " " + shown);
        }
        Set<PosixFilePermission> want = dir ? DIR : FILE;
        if (!a.permissions().equals(want)) {
            problems.add("mode " + mode(a.permissions()));
            commands.add("chmod " + (dir ? "0700 " : "0600 ") + shown);
        }
        if (!problems.isEmpty()) {
            out.add(new Wrong(p, shown, "(" + String.join(", ", problems) + ")", commands, dir));
        }
    }

    private static void apply(Wrong w, String owner) throws IOException {
        PosixFileAttributes a = Files.readAttributes(w.hostPath(), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.owner().getName().equals(owner)) {
            UserPrincipal u = w.hostPath().getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(owner);
            Files.setOwner(w.hostPath(), u);
        }
        Files.setPosixFilePermissions(w.hostPath(), w.dir() ? DIR : FILE);
    }

    /** The store's parents that belong to Ollama: up to its home directory (from /etc/passwd), at most two levels. */
    private static List<String> parents(Host host, String store, String owner) {
        String home = null;
        try {
            for (String line : Files.readAllLines(host.path("/etc/passwd"))) {
                String[] f = line.split(":", -1);
                if (f.length >= 6 && f[0].equals(owner)) {
                    home = f[5];
                }
            }
        } catch (IOException ignored) {
            // no passwd in view: only the store itself is checked
        }
        List<String> out = new ArrayList<>();
        if (home == null || home.isEmpty() || home.equals("/")) {
            return out;
        }
        String p = store;
        for (int i = 0; i < 3; i++) {
            int slash = p.lastIndexOf('/');
            if (slash <= 0) {
                break;
            }
            p = p.substring(0, slash);
            if (!(p + "/").startsWith(home.endsWith("/") ? home : home + "/")) {
                break;
            }
            out.add(0, p);
        }
        return out;
    }

    static String storePath(Host host, DoctorOptions options) {
        if (options.modelsDir() != null) {
            return options.modelsDir().toString();
        }
        String env = OllamaProcess.inspect(host, options.unit()).env.get("OLLAMA_MODELS");
        return env == null || env.isBlank() ? DEFAULT_STORE : env;
    }

    private static String shown(String store, Path root, Path p) {
        String rel = root.relativize(p).toString();
        return rel.isEmpty() ? store : store + "/" + rel;
    }

    private static String mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", m);
    }
}
