package dev.corral.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirTest {
    @TempDir
    Path dir;

    @Test
    void aNewStateDirectoryIsPrivateAndAWiderOneIsNarrowed() throws Exception {
        Path d = dir.resolve("state");
        StateDir.open(d);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).isEqualTo("rwx------");
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        StateDir.open(d);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).isEqualTo("rwx------");
    }

    /** Root running `corral keys` on the service's /var/lib/corral would leave files the service cannot read. */
    @Test
    void anotherUsersStateDirectoryIsRefusedWithTheCommandThatWorks() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can hand a directory to another user (CI runs as root)");
        Path d = Files.createDirectory(dir.resolve("theirs"));
        UserPrincipal nobody = d.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(d, nobody);
        assertThatThrownBy(() -> StateDir.open(d)).isInstanceOf(StoreException.class)
                .hasMessageContaining("belongs to nobody, and this runs as root")
                .hasMessageContaining("runuser -u nobody -- corral");
        assertThat(Files.list(d)).as("nothing was written there").isEmpty();
    }
}
