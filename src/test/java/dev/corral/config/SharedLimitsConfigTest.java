package dev.corral.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** limits.shared*: in process by default; a Redis URL, its password from a file or the environment, and errors that say what to fix. */
class SharedLimitsConfigTest {
    @TempDir
    Path dir;

    static Settings load(Map<String, String> env, Path file) {
        return new ConfigLoader(env).load(file, Map.of());
    }

    @Test
    void byDefaultLimitsStayInThisProcess() {
        SharedLimits s = load(Map.of(), null).sharedLimits();
        assertThat(s.enabled()).isFalse();
        assertThat(s).isEqualTo(SharedLimits.IN_PROCESS);
    }

    @Test
    void aRedisUrlWithThePasswordFromAFileOrTheEnvironment() throws Exception {
        Path pw = dir.resolve("redis.pw");
        Files.writeString(pw, "s3cret-pw\n");
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "limits:\n  shared: redis://corral@10.0.0.5/2\n  shared_password_file: " + pw
                + "\n  shared_lease: 20s\n  on_shared_failure: refuse\n");
        SharedLimits s = load(Map.of(), f).sharedLimits();
        assertThat(s.url().toString()).isEqualTo("redis://corral@10.0.0.5:6379/2");
        assertThat(s.password()).isEqualTo("s3cret-pw");
        assertThat(s.lease()).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.refuseOnFailure()).isTrue();
        assertThat(s.toString()).doesNotContain("s3cret-pw");

        SharedLimits e = load(Map.of("CORRAL_LIMITS_SHARED", "rediss://redis.example.com:6380",
                "CORRAL_LIMITS_SHARED_PASSWORD", "from-env"), null).sharedLimits();
        assertThat(e.url().toString()).isEqualTo("rediss://redis.example.com:6380/0");
        assertThat(e.password()).isEqualTo("from-env");
        assertThat(e.refuseOnFailure()).isFalse();
        assertThat(new ConfigLoader(Map.of("CORRAL_LIMITS_SHARED", "redis://127.0.0.1:6379/0")).effective(null, Map.of())
                .toString()).doesNotContain("password_from");
    }

    @Test
    void plainTextOrNoPasswordOffThisHostWarnsAtStart() {
        Settings s = load(Map.of("CORRAL_LIMITS_SHARED", "redis://10.0.0.5:6379/0"), null);
        assertThat(s.warnings()).anyMatch(w -> w.contains("plain redis://")).anyMatch(w -> w.contains("without a password"));
        assertThat(load(Map.of("CORRAL_LIMITS_SHARED", "redis://127.0.0.1:6379/0"), null).warnings())
                .noneMatch(w -> w.contains("limits.shared"));
    }

    @Test
    void errorsNameTheFieldAndTheFix() throws Exception {
        assertThatThrownBy(() -> load(Map.of("CORRAL_LIMITS_SHARED", "redis://:pw@127.0.0.1:6379"), null))
                .hasMessageStartingWith("CORRAL_LIMITS_SHARED (limits.shared)").hasMessageContaining("holds a password")
                .hasMessageNotContaining("pw@");
        assertThatThrownBy(() -> load(Map.of("CORRAL_LIMITS_SHARED", "http://127.0.0.1:6379"), null))
                .hasMessageContaining("not a redis:// or rediss:// URL");
        assertThatThrownBy(() -> load(Map.of("CORRAL_LIMITS_SHARED", "redis://127.0.0.1:6379/16"), null))
                .hasMessageContaining("end the URL with /0 to /15");
        assertThatThrownBy(() -> load(Map.of("CORRAL_LIMITS_SHARED_PASSWORD", "x"), null))
                .hasMessageStartingWith("CORRAL_LIMITS_SHARED_PASSWORD: set, but limits.shared is empty");
        assertThatThrownBy(() -> load(Map.of("CORRAL_LIMITS_SHARED", "redis://127.0.0.1", "CORRAL_LIMITS_SHARED_PASSWORD_FILE",
                dir.resolve("nope").toString()), null))
                .hasMessageStartingWith("CORRAL_LIMITS_SHARED_PASSWORD_FILE (limits.shared_password_file): file not found");
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "p\n");
        assertThatThrownBy(() -> load(Map.of("CORRAL_LIMITS_SHARED", "redis://127.0.0.1", "CORRAL_LIMITS_SHARED_PASSWORD_FILE",
                pw.toString(), "CORRAL_LIMITS_SHARED_PASSWORD", "q"), null)).hasMessageContaining("keep one of the two");
        assertThatThrownBy(() -> load(Map.of("CORRAL_LIMITS_SHARED", "redis://127.0.0.1", "CORRAL_LIMITS_SHARED_CA",
                pw.toString()), null)).hasMessageStartingWith("CORRAL_LIMITS_SHARED_CA (limits.shared_ca): set, but limits.shared is plain");
        assertThatThrownBy(() -> load(Map.of("CORRAL_LIMITS_SHARED", "rediss://127.0.0.1", "CORRAL_LIMITS_SHARED_CA",
                dir.resolve("nope.pem").toString()), null)).hasMessageContaining("limits.shared_ca): file not found");
        assertThat(load(Map.of("CORRAL_LIMITS_SHARED", "rediss://127.0.0.1", "CORRAL_LIMITS_SHARED_CA", pw.toString()), null)
                .sharedLimits().ca()).isEqualTo(pw);
        assertThatThrownBy(() -> load(Map.of("CORRAL_LIMITS_SHARED", "redis://127.0.0.1", "CORRAL_LIMITS_ON_SHARED_FAILURE",
                "open"), null)).hasMessageStartingWith("CORRAL_LIMITS_ON_SHARED_FAILURE (limits.on_shared_failure): must be local");
        assertThatThrownBy(() -> load(Map.of("CORRAL_LIMITS_SHARED", "redis://127.0.0.1", "CORRAL_LIMITS_SHARED_LEASE", "1s"),
                null)).hasMessageContaining("must be between 2s and 10m");
        assertThatThrownBy(() -> load(Map.of("CORRAL_LIMITS_SHARED", "redis://127.0.0.1", "CORRAL_LIMITS_SHARED_TIMEOUT", "6s"),
                null)).hasMessageContaining("must be under half of limits.shared_lease");
    }

    @Test
    void changingWhereLimitsAreSharedWaitsForARestart() {
        Settings running = load(Map.of(), null);
        assertThat(ConfigChanges.needingRestart(running, ConfigChanges.changed(running,
                load(Map.of("CORRAL_LIMITS_SHARED", "redis://127.0.0.1:6379/0"), null)))).contains("sharedLimits.url");
    }
}
