package dev.corral.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store setting: SQLite by default; a postgres:// URL without a password, TLS required off this host. */
class StoreConfigTest {
    @TempDir
    Path dir;

    private Settings load(String yaml, Map<String, String> env) throws Exception {
        Path f = dir.resolve("corral.yaml");
        Files.writeString(f, yaml);
        return new ConfigLoader(env).load(f, Map.of());
    }

    @Test
    void theDefaultIsSqlite() throws Exception {
        assertThat(load("", Map.of()).store()).isEqualTo(StoreConfig.SQLITE);
        assertThat(load("store: sqlite\n", Map.of()).store()).isEqualTo(StoreConfig.SQLITE);
    }

    @Test
    void aPostgresUrlGivesTheDriverItsParametersAndNoPassword() throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "secret\n");
        Settings s = load("store: postgres://corral@db.example.com:6432/corral?sslmode=verify-full&sslrootcert=/etc/ca.pem\n"
                + "store_password_file: " + pw + "\n", Map.of());
        StoreConfig.Postgres pg = s.store().postgres();
        assertThat(pg.user()).isEqualTo("corral");
        assertThat(pg.passwordFile()).isEqualTo(pw);
        assertThat(pg.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.com:6432/corral?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem");
        assertThat(s.warnings()).noneMatch(w -> w.contains("sslmode"));
    }

    @Test
    void loopbackNeedsNoTlsAndElsewhereTheModeMustBeSaid() throws Exception {
        assertThat(load("store: postgres://corral@127.0.0.1/corral\n", Map.of()).store().postgres().jdbcUrl())
                .isEqualTo("jdbc:postgresql://127.0.0.1:5432/corral?sslmode=disable");
        assertThatThrownBy(() -> load("store: postgres://corral@db.example.com/corral\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("corral.yaml: store:").hasMessageContaining("sslmode=verify-full");
        Settings weak = load("store: postgres://corral@db.example.com/corral?sslmode=require\n", Map.of());
        assertThat(weak.warnings()).anyMatch(w -> w.contains("sslmode=require does not verify"));
    }

    @Test
    void aPasswordInTheUrlIsRefusedWithoutRepeatingIt() {
        assertThatThrownBy(() -> load("store: postgres://corral:hunter2@127.0.0.1/corral\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("holds a password").hasMessageContaining("store_password_file")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> load("", Map.of("CORRAL_STORE", "postgres://corral@127.0.0.1/corral?password=hunter2")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("CORRAL_STORE").hasMessageContaining("CORRAL_STORE_PASSWORD")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void mistakesNameTheFieldAndTheFix() {
        assertThatThrownBy(() -> load("store: mysql://x@h/db\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("postgres://");
        assertThatThrownBy(() -> load("store: postgres://127.0.0.1/corral\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("names no user");
        assertThatThrownBy(() -> load("store: postgres://corral@127.0.0.1\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("names no database");
        assertThatThrownBy(() -> load("store: postgres://corral@127.0.0.1/corral\nstore_password_file: " + dir.resolve("none") + "\n",
                Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("store_password_file").hasMessageContaining("no such file");
        assertThatThrownBy(() -> load("store_password_file: /etc/hostname\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("the store is SQLite");
    }
}
