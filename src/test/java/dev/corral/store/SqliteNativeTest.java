package dev.corral.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * The SQLite driver's native library kept in the state directory: copied out of the driver's jar once,
 * in a private directory, byte for byte; a later start reuses the copy without writing it; a damaged
 * copy is written again.
 */
class SqliteNativeTest {
    @TempDir
    Path dir;

    @Test
    void theLibraryIsCopiedOnceIntoAPrivateDirectoryAndReused() throws Exception {
        Path folder = dir.resolve(SqliteNative.DIR);
        Files.createDirectories(folder);
        Path otherBuild = Files.writeString(folder.resolve("sqlite-jdbc-3.0.0-Linux-amd64-00000000-libsqlitejdbc.so"), "old");
        Path kept = SqliteNative.keep(folder);
        assertThat(kept).isNotNull().hasParent(folder);
        assertThat(otherBuild).as("another build's copy goes").doesNotExist();
        assertThat(kept.getFileName().toString()).startsWith("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion() + "-")
                .endsWith(LibraryLoaderUtil.getNativeLibName());
        assertThat(Files.readAllBytes(kept)).isEqualTo(original());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kept))).isEqualTo("rw-------");
        assertThat(SqliteNative.keep(dir.resolve("fresh"))).isNotNull(); // a folder it makes itself is private
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("fresh")))).isEqualTo("rwx------");

        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(kept, old);
        assertThat(SqliteNative.keep(folder)).isEqualTo(kept);
        assertThat(Files.getLastModifiedTime(kept)).as("not written again").isEqualTo(old);
        try (var files = Files.list(folder)) {
            assertThat(files).containsExactly(kept); // no temporary file left
        }
    }

    @Test
    void aDamagedCopyIsWrittenAgain() throws Exception {
        Path folder = dir.resolve(SqliteNative.DIR);
        Path kept = SqliteNative.keep(folder);
        byte[] damaged = original();
        damaged[damaged.length / 2] ^= 0x5a; // same size, one byte off
        Files.write(kept, damaged);
        assertThat(SqliteNative.keep(folder)).isEqualTo(kept);
        assertThat(Files.readAllBytes(kept)).isEqualTo(original());

        Files.write(kept, new byte[] {1, 2, 3}); // cut short
        assertThat(SqliteNative.keep(folder)).isEqualTo(kept);
        assertThat(Files.readAllBytes(kept)).isEqualTo(original());
    }

    private static byte[] original() throws Exception {
        String resource = LibraryLoaderUtil.getNativeLibResourcePath() + "/" + LibraryLoaderUtil.getNativeLibName();
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return in.readAllBytes();
        }
    }
}
