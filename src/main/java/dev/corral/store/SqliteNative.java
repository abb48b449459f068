package dev.corral.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * Keeps the SQLite driver's native library in the state directory ({@value #DIR}/), copied out of the
 * jar once per driver build, and points the driver at that copy. Left to itself, sqlite-jdbc copies the
 * library (1 MB) into the temporary directory at every start, under a new name, and then compares the
 * copy with the jar's byte by byte: about a tenth of a second of a start on one core, and a copy left
 * in /tmp whenever the JVM is killed. Here a start finds the copy by its name (driver version, OS,
 * architecture, the jar entry's CRC-32) and checks its content against that CRC. Anything unexpected
 * (the library not in a jar, a directory that cannot be written, org.sqlite.lib.path already set by
 * the user) leaves the driver's own way in place.
 */
final class SqliteNative {
    /** The state directory's subdirectory for the library. */
    static final String DIR = "native";

    private static final AtomicBoolean prepared = new AtomicBoolean();

    private SqliteNative() {}

    /** Before the first SQLite connection of this JVM: makes sure of the kept copy and names it to the driver. */
    static void prepare(StateDir dir) {
        if (!prepared.compareAndSet(false, true) || System.getProperty("org.sqlite.lib.path") != null) {
            return;
        }
        try {
            Path kept = keep(dir.path().resolve(DIR));
            if (kept != null) {
                System.setProperty("org.sqlite.lib.name", kept.getFileName().toString());
                System.setProperty("org.sqlite.lib.path", kept.getParent().toAbsolutePath().toString());
            }
        } catch (IOException | RuntimeException e) {
            // the driver extracts the library itself, as it always did
        }
    }

    /** The kept copy of the driver's library in {@code folder}, written if missing or damaged; null if the library is not in a jar. */
    static Path keep(Path folder) throws IOException {
        // A start finds its copy by name alone: asking the driver where its library is for this
        // machine (LibraryLoaderUtil) runs `uname -o` in a new process, and that is what is saved.
        String prefix = String.format("sqlite-jdbc-%s-%s-%s-", SQLiteJDBCLoader.getVersion(),
                System.getProperty("os.name"), System.getProperty("os.arch")).replaceAll("[^A-Za-z0-9._-]", "_");
        Path found = intact(folder, prefix);
        return found != null ? found : write(folder, prefix);
    }

    /** The copy named {@code prefix}CRC-NAME whose content has that CRC-32, or null. */
    private static Path intact(Path folder, String prefix) throws IOException {
        if (!Files.isDirectory(folder)) {
            return null;
        }
        try (DirectoryStream<Path> copies = Files.newDirectoryStream(folder, prefix + "*")) {
            for (Path p : copies) {
                String rest = p.getFileName().toString().substring(prefix.length());
                int dash = rest.indexOf('-');
                if (dash == 8 && rest.substring(0, 8).matches("[0-9a-f]{8}") && Files.isRegularFile(p)
                        && crc(p) == Long.parseLong(rest.substring(0, 8), 16)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** Copies the driver's library for this machine out of its jar; removes the copies of other builds. */
    private static Path write(Path folder, String prefix) throws IOException {
        String name = LibraryLoaderUtil.getNativeLibName();
        URL url = SQLiteJDBCLoader.class.getResource(LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name);
        if (url == null) {
            return null;
        }
        URLConnection connection = url.openConnection();
        if (!(connection instanceof JarURLConnection jar)) {
            return null;
        }
        JarEntry entry = jar.getJarEntry();
        if (entry == null || entry.getCrc() < 0) {
            return null;
        }
        StateDir.createPrivateDirectory(folder);
        // The content's CRC is in the name: a start checks the copy against it without opening the jar.
        Path kept = folder.resolve(prefix + String.format("%08x", entry.getCrc()) + "-" + name);
        Path tmp = Files.createTempFile(folder, ".sqlite-jdbc-", ".tmp");
        try {
            CRC32 crc = new CRC32();
            try (InputStream in = jar.getInputStream(); OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0; ) {
                    crc.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
            }
            if (crc.getValue() != entry.getCrc()) {
                throw new IOException("copying " + url + " gave a different CRC");
            }
            Files.move(tmp, kept, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (DirectoryStream<Path> others = Files.newDirectoryStream(folder, "sqlite-jdbc-*")) {
            for (Path p : others) {
                if (!p.equals(kept)) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return kept;
    }

    private static long crc(Path file) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        return crc.getValue();
    }
}
