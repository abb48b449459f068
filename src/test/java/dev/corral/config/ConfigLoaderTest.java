package dev.corral.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void noConfigAtAllIsTheSecureDefault() {
        Settings s = new ConfigLoader(Map.of()).load(null, Map.of());
        assertThat(s.listen()).isEqualTo(new HostPort("127.0.0.1", 11443));
        assertThat(s.upstream().url().toString()).isEqualTo("http://127.0.0.1:11434");
        assertThat(s.upstream().hostHeader()).isEqualTo("127.0.0.1:11434");
        assertThat(s.allowCloudModels()).isFalse();
        assertThat(s.trustedProxies()).isEmpty();
        assertThat(s.insecurePlaintext()).isFalse();
        assertThat(s.warnings()).isEmpty();
    }

    @Test
    void fileThenEnvironmentThenFlags() throws Exception {
        Path f = Files.writeString(dir.resolve("corral.yaml"), """
                listen:
                  address: 127.0.0.1:9000
                limits:
                  max_body_bytes: 1MiB
                  header_timeout: 5s
                trusted_proxies: [10.0.0.0/8]
                """);
        Settings s = new ConfigLoader(Map.of("CORRAL_LIMITS_HEADER_TIMEOUT", "7s", "CORRAL_UPSTREAM_URL", "http://localhost:1234",
                "CORRAL_TRUSTED_PROXIES", "192.168.1.1, 10.1.0.0/16")).load(f, Map.of("upstream.url", "http://127.0.0.2:5"));
        assertThat(s.listen().port()).isEqualTo(9000);
        assertThat(s.maxBodyBytes()).isEqualTo(1 << 20);
        assertThat(s.headerTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(s.upstream().port()).isEqualTo(5);
        assertThat(s.trustedProxies()).hasSize(2);
    }

    @Test
    void corralConfigVariableNamesTheFile() throws Exception {
        Path f = Files.writeString(dir.resolve("c.yaml"), "policy:\n  allow_cloud_models: true\n");
        Settings s = new ConfigLoader(Map.of("CORRAL_CONFIG", f.toString())).load(null, Map.of());
        assertThat(s.allowCloudModels()).isTrue();
        assertThat(s.warnings()).anyMatch(w -> w.contains("allow_cloud_models"));
    }

    @Test
    void errorsNameTheFileTheFieldAndTheFix() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.yaml"), "limits:\n  max_body_bytez: 1\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(f, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("limits.max_body_bytez")
                .hasMessageContaining("unknown field").hasMessageContaining("max_body_bytes");
        Path g = Files.writeString(dir.resolve("bad2.yaml"), "upstream:\n  url: ftp://x\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(g, Map.of()))
                .hasMessageContaining("upstream.url").hasMessageContaining("http://");
        Path h = Files.writeString(dir.resolve("bad3.yaml"), "limits:\n  body_timeout: soon\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(h, Map.of()))
                .hasMessageContaining("limits.body_timeout").hasMessageContaining("30s");
        Path i = Files.writeString(dir.resolve("bad4.yaml"), "listen: [\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(i, Map.of())).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(dir.resolve("missing.yaml"), Map.of()))
                .hasMessageContaining("file not found");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("CORRAL_LIMITS_MAX_BODY_BYTES", "0")).load(null, Map.of()))
                .hasMessageContaining("limits.max_body_bytes").hasMessageContaining("between");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("CORRAL_TRUSTED_PROXIES", "example.com")).load(null, Map.of()))
                .hasMessageContaining("trusted_proxies[0]");
    }

    @Test
    void aPublicBindWithoutTlsIsRefusedUnlessExplicitlyAllowedAndThenWarned() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of("CORRAL_LISTEN_ADDRESS", "0.0.0.0:11443")).load(null, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("listen.insecure_plaintext: true");
        Settings s = new ConfigLoader(Map.of("CORRAL_LISTEN_ADDRESS", "0.0.0.0:11443",
                "CORRAL_LISTEN_INSECURE_PLAINTEXT", "true")).load(null, Map.of());
        assertThat(s.warnings()).anyMatch(w -> w.contains("plain HTTP"));
    }

    @Test
    void anUpstreamUrlWithAPasswordIsRefusedSoItNeverReachesALog() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(null, Map.of("upstream.url", "http://admin:hunter2@127.0.0.1:11434")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("upstream.url").hasMessageContaining("user name or password")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void unitsParse() {
        assertThat(Units.duration("90d")).isEqualTo(Duration.ofDays(90));
        assertThat(Units.duration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Units.size("16MiB")).isEqualTo(16L << 20);
        assertThat(Units.size("512k")).isEqualTo(512 * 1024);
        assertThatThrownBy(() -> Units.size("lots")).hasMessageContaining("not a size");
    }
}
