package dev.corral.audit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the audit log's files private (0600, where the file system has POSIX modes) and makes their directory entries durable. */
final class PrivateFiles {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {
    }

    /** Opens (creating if missing) for reading and writing, 0600 even when made by hand or under a wide umask. */
    static FileChannel openPrivate(Path f) throws IOException {
        Set<StandardOpenOption> options = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
        if (!posix(f)) {
            return FileChannel.open(f, options);
        }
        FileChannel ch = FileChannel.open(f, options, PosixFilePermissions.asFileAttribute(FILE_MODE));
        try {
            if (!Files.getPosixFilePermissions(f).equals(FILE_MODE)) {
                Files.setPosixFilePermissions(f, FILE_MODE); // made by hand, or with a wide umask
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    /** Creates a new file, 0600 where the file system has POSIX modes; fails if it exists. */
    static FileChannel createPrivate(Path f) throws IOException {
        return posix(f)
                ? FileChannel.open(f, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(FILE_MODE))
                : FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** Makes a new or renamed file's directory entry durable (a crash must not lose the file itself). */
    static void syncDirectory(Path f) {
        Path dir = f.toAbsolutePath().getParent();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("could not fsync the directory {}: {}", dir, e.toString()); // not every platform can
        }
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing; the first error is the one to report
            }
        }
    }
}
