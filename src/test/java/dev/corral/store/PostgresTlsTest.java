package dev.corral.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.config.ConfigLoader;
import dev.corral.config.StoreConfig;
import dev.corral.testing.PostgresServer;
import dev.corral.tls.SelfSigned;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store over TLS: sslmode=verify-full with the server's CA connects encrypted; a certificate from another CA is refused. */
class PostgresTlsTest {
    @TempDir
    Path dir;

    private static StoreConfig config(PostgresServer pg, String db, Path ca) {
        return new ConfigLoader(Map.of("CORRAL_STORE", pg.url(db) + "?sslmode=verify-full&sslrootcert=" + ca,
                "CORRAL_STORE_PASSWORD_FILE", pg.passwordFile().toString())).load(null, Map.of()).store();
    }

    @Test
    void verifyFullWithTheServersCaConnectsOverTls() throws Exception {
        PostgresServer pg = PostgresServer.get();
        String db = pg.newDatabase();
        StoreConfig cfg = config(pg, db, pg.caFile());
        try (PostgresStore s = PostgresStore.open(cfg.postgres(), Map.of())) {
            s.createKey(StoreContract.key("k1"));
            assertThat(s.findKey("k1")).isPresent();
        }
        try (Connection c = PostgresTarget.of(cfg.postgres(), Map.of()).connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).as("the connection is encrypted").isTrue();
            assertThat(rs.getString(2)).startsWith("TLSv1.");
        }
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefused() throws Exception {
        PostgresServer pg = PostgresServer.get();
        Path otherCa = SelfSigned.write("127.0.0.1", 30, dir.resolve("other")).ca();
        StoreConfig cfg = config(pg, pg.newDatabase(), otherCa);
        assertThatThrownBy(() -> PostgresStore.open(cfg.postgres(), Map.of()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(pg.url(cfg.postgres().database()) + "?sslmode=verify-full")
                .hasMessageContaining("connecting failed: SSL error: PKIX path validation failed");
    }
}
