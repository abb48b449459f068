package dev.corral.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** auth.*: defaults, and errors that name the file, the field and the fix. */
class AuthConfigTest {
    @TempDir
    Path dir;

    Settings load(String yaml) throws Exception {
        Path f = dir.resolve("corral.yaml");
        Files.writeString(f, yaml);
        return new ConfigLoader(Map.of()).load(f, Map.of());
    }

    @Test
    void theDefaultsAreShortWindowsAndNoIdentityProvider() {
        Settings.Auth a = new ConfigLoader(Map.of()).load(null, Map.of()).auth();
        assertThat(a.signatureWindow()).isEqualTo(Duration.ofSeconds(60));
        assertThat(a.bcryptThreads()).isEqualTo(2);
        assertThat(a.oidc()).isEmpty();
    }

    @Test
    void providersAreReadAndTheirMistakesNamed() throws Exception {
        Settings s = load("auth:\n  oidc:\n    - issuer: https://login.example.com\n      audience: corral\n"
                + "      policies:\n        - role: ml\n          models: ['llama3*']\n          tpm: 1000\n");
        Settings.Oidc o = s.auth().oidc().get(0);
        assertThat(o.jwksUrl()).isNull();
        assertThat(o.nameClaim()).isEqualTo("name");
        assertThat(o.policies().get(0).tpm()).isEqualTo(1000L);
        assertThat(o.policies().get(0).scopes()).containsExactly("inference");

        String base = "auth:\n  oidc:\n    - issuer: https://login.example.com\n";
        assertThatThrownBy(() -> load(base + "      policies: [{role: ml}]\n"))
                .hasMessageContaining("corral.yaml: auth.oidc[0].audience: required");
        assertThatThrownBy(() -> load(base + "      audience: corral\n"))
                .hasMessageContaining("auth.oidc[0].policies: give at least one");
        assertThatThrownBy(() -> load(base + "      audience: corral\n      jwks_url: http://login.example.com/keys\n"
                + "      policies: [{role: ml}]\n")).hasMessageContaining("auth.oidc[0].jwks_url: must be an https:// URL");
        assertThatThrownBy(() -> load(base + "      audience: corral\n      policies: [{role: ml, scopes: [admin]}]\n"))
                .hasMessageContaining("auth.oidc[0].policies[0].scopes: 'admin' is not a scope");
        assertThatThrownBy(() -> load("auth:\n  oidc: [https://login.example.com]\n"))
                .hasMessageContaining("auth.oidc[0]: expected a mapping");
        assertThatThrownBy(() -> load("auth:\n  signature_window: 1h\n"))
                .hasMessageContaining("auth.signature_window: must be between 1s and 10m");
        assertThatThrownBy(() -> load("auth:\n  bcrypt_threads: 0\n"))
                .hasMessageContaining("auth.bcrypt_threads: must be a whole number from 1 to 64");
    }
}
