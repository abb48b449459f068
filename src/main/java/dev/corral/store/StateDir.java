package dev.corral.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The state directory: the server secret, the SQLite database and the usage journal. The directory
 * is 0700 and every file Corral creates in it 0600 (directories in it 0700), so other users of the
 * host can read neither keys' HMACs nor usage.
 */
public final class StateDir {
    public static final String SECRET_FILE = "server.secret";
    public static final String DATABASE_FILE = "corral.db";
    /** Append-only usage journal segments (usage.UsageJournal), one subdirectory per running server. */
    public static final String JOURNAL_DIR = "usage-journal";
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private final Path dir;

    private StateDir(Path dir) {
        this.dir = dir;
    }

    /** Opens the directory, creating it 0700 if missing and narrowing it to 0700 if wider. */
    public static StateDir open(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir.toAbsolutePath().getParent());
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
                } catch (FileAlreadyExistsException e) {
                    if (!Files.isDirectory(dir)) {
                        throw new StoreException(dir + ": exists and is not a directory (choose another --state-dir)", e);
                    }
                }
            }
            refuseIfAnotherUsers(dir);
            if (posix(dir) && !Files.getPosixFilePermissions(dir).equals(DIR_MODE)) {
                Files.setPosixFilePermissions(dir, DIR_MODE);
            }
            return new StateDir(dir);
        } catch (IOException e) {
            throw new StoreException(dir + ": cannot create or open the state directory (" + e.getClass().getSimpleName()
                    + "); choose a writable one with --state-dir or CORRAL_STATE_DIR", e);
        }
    }

    /**
     * Refuses a state directory that belongs to another user: what this process wrote there (a
     * database journal, a new usage file) would be its own, and the owner, typically the service's
     * user, could no longer read it. Root running `corral keys` on /var/lib/corral is the case.
     */
    static void refuseIfAnotherUsers(Path dir) throws IOException {
        if (!"Linux".equals(System.getProperty("os.name"))) {
            return;
        }
        Object owner;
        Object me;
        try {
            owner = Files.getAttribute(dir, "unix:uid");
            me = Files.getAttribute(Path.of("/proc/self"), "unix:uid"); // the process's effective user
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            return; // no way to tell here; the directory's permissions still decide
        }
        if (!owner.equals(me)) {
            String name = Files.getOwner(dir).getName();
            throw new StoreException(dir + ": the state directory belongs to " + name + ", and this runs as "
                    + System.getProperty("user.name") + "; files written there would be unreadable to " + name
                    + ". Run the command as its owner (sudo runuser -u " + name + " -- corral ...), or, while the server runs,"
                    + " as a member of its group through the admin socket", null);
        }
    }

    public Path path() {
        return dir;
    }

    public Path database() {
        return dir.resolve(DATABASE_FILE);
    }

    public Path journal() {
        return dir.resolve(JOURNAL_DIR);
    }

    /** Creates directory {@code d} with mode 0700 if it does not exist (its parent must). */
    public static void createPrivateDirectory(Path d) throws IOException {
        if (Files.isDirectory(d)) {
            return;
        }
        try {
            if (posix(d.toAbsolutePath().getParent())) {
                Files.createDirectory(d, PosixFilePermissions.asFileAttribute(DIR_MODE));
            } else {
                Files.createDirectory(d);
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(d)) {
                throw e;
            }
        }
    }

    /** Creates the new, empty file {@code f} with mode 0600; fails if it exists. */
    public static void createPrivateFile(Path f) throws IOException {
        if (posix(f.toAbsolutePath().getParent())) {
            Files.createFile(f, PosixFilePermissions.asFileAttribute(FILE_MODE));
        } else {
            Files.createFile(f);
        }
    }

    /** The 32-byte server secret keys are HMAC'd with, made on first use and kept 0600. */
    public byte[] serverSecret() {
        Path f = dir.resolve(SECRET_FILE);
        try {
            if (!Files.exists(f)) {
                byte[] secret = new byte[32];
                new SecureRandom().nextBytes(secret);
                Path tmp = dir.resolve(SECRET_FILE + ".tmp");
                Files.deleteIfExists(tmp);
                if (posix(dir)) {
                    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(FILE_MODE));
                }
                Files.write(tmp, secret, StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
                try {
                    Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException raced) {
                    Files.deleteIfExists(tmp);
                }
            }
            byte[] secret = Files.readAllBytes(f);
            if (secret.length != 32) {
                throw new StoreException(f + ": the server secret must be 32 bytes, found " + secret.length
                        + "; it is damaged (restore it from backup: every key depends on it)", null);
            }
            return secret;
        } catch (IOException e) {
            throw new StoreException(f + ": cannot read or create the server secret: " + e.getMessage(), e);
        }
    }

    /** Creates {@code f} empty and 0600 if it does not exist, so SQLite never creates it with the umask. */
    public void ensurePrivateFile(Path f) {
        try {
            if (!Files.exists(f) && posix(dir)) {
                Files.createFile(f, PosixFilePermissions.asFileAttribute(FILE_MODE));
            }
            if (Files.exists(f) && posix(dir) && !Files.getPosixFilePermissions(f).equals(FILE_MODE)) {
                Files.setPosixFilePermissions(f, FILE_MODE);
            }
        } catch (FileAlreadyExistsException ignored) {
            // another process made it first
        } catch (IOException e) {
            throw new StoreException(f + ": cannot create with mode 0600: " + e.getMessage(), e);
        }
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
