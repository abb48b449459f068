package dev.corral.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    String error(Map<String, String> env, String yaml) throws Exception {
        Path f = yaml == null ? null : Files.writeString(dir.resolve("corral.yaml"), yaml);
        try {
            new ConfigLoader(env).load(f, Map.of());
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for " + env + " / " + yaml);
    }

    @Test
    void aWrongKindOfValueNamesTheFieldWhatWasExpectedAndWhatWasGiven() throws Exception {
        String f = dir.resolve("corral.yaml").toString();
        assertThat(error(Map.of(), "admission:\n  queue_size: \"many\"\n"))
                .isEqualTo(f + ": admission.queue_size: expected a whole number, got \"many\"");
        assertThat(error(Map.of(), "admission:\n  queue_size: 5.5\n"))
                .isEqualTo(f + ": admission.queue_size: expected a whole number, got 5.5");
        assertThat(error(Map.of(), "listen: 127.0.0.1:0\n"))
                .isEqualTo(f + ": listen: is a section (listen.address, listen.insecure_plaintext, ...), not a value;"
                        + " did you mean listen.address: 127.0.0.1:0?");
        assertThat(error(Map.of(), "policy: true\n")).contains("did you mean policy.allow_cloud_models: true?");
        assertThat(error(Map.of(), "policy:\n  allow_cloud_models: maybe\n"))
                .isEqualTo(f + ": policy.allow_cloud_models: expected true or false, got \"maybe\"");
        assertThat(error(Map.of(), "trusted_proxies: 10.0.0.0/8\n"))
                .isEqualTo(f + ": trusted_proxies: expected a list, got \"10.0.0.0/8\"; write trusted_proxies: [10.0.0.0/8]");
        assertThat(error(Map.of(), "upstream:\n  url: [a, b]\n"))
                .isEqualTo(f + ": upstream.url: expected a single value, got a list");
        assertThat(error(Map.of(), "limits:\n"))
                .isEqualTo(f + ": limits: is empty; give it fields, or remove the line to keep the defaults");
        assertThat(error(Map.of(), "listen:\n  tls:\n    client_cert_keys: CN=x\n"))
                .startsWith(f + ": listen.tls.client_cert_keys: expected a mapping");
        assertThat(error(Map.of(), "limits:\n  max_body_bytez: 1\n")).contains("did you mean max_body_bytes?");
        // nothing from Jackson's internals reaches the user
        for (String yaml : List.of("listen: 127.0.0.1:0\n", "admission:\n  queue_size: many\n", "log: [1]\n",
                "listen:\n  tls:\n    client_cert_keys: {a: [1]}\n", "admission:\n  key_defaults:\n    rpm: {}\n")) {
            assertThat(error(Map.of(), yaml)).doesNotContain("dev.corral").doesNotContain("Cannot ").doesNotContain("`");
        }
    }

    @Test
    void anErrorInAValueFromTheEnvironmentNamesTheVariable() throws Exception {
        assertThat(error(Map.of("CORRAL_ADMISSION_QUEUE_SIZE", "many"), null))
                .isEqualTo("CORRAL_ADMISSION_QUEUE_SIZE (admission.queue_size): expected a whole number, got \"many\"");
        assertThat(error(Map.of("CORRAL_LIMITS_MAX_BODY_BYTES", "0"), "limits:\n  body_timeout: 5s\n"))
                .startsWith("CORRAL_LIMITS_MAX_BODY_BYTES (limits.max_body_bytes): must be between");
        assertThat(error(Map.of("CORRAL_TRUSTED_PROXIES", "10.0.0.0/8,example.com"), null))
                .startsWith("CORRAL_TRUSTED_PROXIES (trusted_proxies[1]): ");
        assertThat(error(Map.of("CORRAL_LISTEN_ADDRESS", "0.0.0.0:11443"), null))
                .startsWith("CORRAL_LISTEN_ADDRESS (listen.address): 0.0.0.0:11443 is not a loopback address");
        assertThat(error(Map.of("CORRAL_POLICY_ALLOW_CLOUD_MODELS", "yes"), null))
                .isEqualTo("CORRAL_POLICY_ALLOW_CLOUD_MODELS (policy.allow_cloud_models): expected true or false, got \"yes\"");
        // the same field from the file is named by the file; a flag by its flag
        String f = dir.resolve("corral.yaml").toString();
        assertThat(error(Map.of(), "upstream:\n  url: nope\n")).startsWith(f + ": upstream.url: ");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).namingFlags(Map.of("listen.address", "--listen"))
                .load(null, Map.of("listen.address", "nope")))
                .hasMessageStartingWith("--listen (listen.address): 'nope' is not HOST:PORT");
        // values from the environment are text; whole numbers and booleans in it are read as such
        Settings s = new ConfigLoader(Map.of("CORRAL_ADMISSION_KEY_DEFAULTS_DAILY_TOKENS", "1e6",
                "CORRAL_ADMISSION_QUEUE_SIZE", "1_000", "CORRAL_POLICY_ALLOW_CLOUD_MODELS", "TRUE")).load(null, Map.of());
        assertThat(s.admission().keyDefaults().dailyTokens()).isEqualTo(1_000_000);
        assertThat(s.admission().queue().size()).isEqualTo(1000);
        assertThat(s.allowCloudModels()).isTrue();
    }

    @Test
    void aBareNumberIsNotADuration() throws Exception {
        String f = dir.resolve("corral.yaml").toString();
        assertThat(error(Map.of(), "upstream:\n  connect_timeout: 5\n"))
                .isEqualTo(f + ": upstream.connect_timeout: '5' has no unit; write 5s for seconds (units: ms, s, m, h, d)");
        assertThat(error(Map.of("CORRAL_ADMISSION_QUEUE_TIMEOUT", "120"), null))
                .startsWith("CORRAL_ADMISSION_QUEUE_TIMEOUT (admission.queue_timeout): '120' has no unit; write 120s");
        assertThatThrownBy(() -> Units.duration("90")).hasMessageContaining("write 90s");
        assertThat(Units.duration("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> Units.duration("99999999999999999999d")).hasMessageContaining("not a duration");
    }

    @Test
    void aMisspelledVariableIsWarnedAboutWithTheClosestRealOne() {
        assertThat(new ConfigLoader(Map.of("CORRAL_LISTEN_ADRESS", "0.0.0.0:1", "PATH", "/bin")).environmentWarnings())
                .containsExactly("environment variable CORRAL_LISTEN_ADRESS is not a Corral setting and is ignored;"
                        + " did you mean CORRAL_LISTEN_ADDRESS?");
        assertThat(CorralVariables.warnings(Map.of("CORRAL_STATEDIR", "x"))).singleElement().asString()
                .contains("did you mean CORRAL_STATE_DIR?");
        assertThat(CorralVariables.warnings(Map.of("CORRAL_LISTEN_TLS", "x"))).singleElement().asString()
                .contains("names a section").contains("CORRAL_LISTEN_TLS_CERT");
        assertThat(CorralVariables.warnings(Map.of("CORRAL_WHATEVER_ELSE_ENTIRELY", "x"))).singleElement().asString()
                .contains("is not a Corral setting").doesNotContain("did you mean");
        // the variables Corral and its tooling read are never flagged
        Map<String, String> real = new java.util.HashMap<>();
        for (String v : List.of("CORRAL_CONFIG", "CORRAL_STATE_DIR", "CORRAL_JAVA_OPTS", "CORRAL_REQUIRE_NODE", "CORRAL_LOG_LEVEL",
                "CORRAL_ACCESS_LOG_LEVEL", "CORRAL_DOCTOR_KEY", "CORRAL_LISTEN_ADDRESS", "CORRAL_ADMISSION_KEY_DEFAULTS_RPM")) {
            real.put(v, "x");
        }
        assertThat(CorralVariables.warnings(real)).isEmpty();
    }

    @Test
    void theDefaultStateDirFollowsXdgStateHomeThenHomeThenTheAccount() {
        assertThat(Settings.defaultStateDir(Map.of("XDG_STATE_HOME", "/x", "HOME", "/h"), "/account"))
                .isEqualTo(Path.of("/x/corral"));
        assertThat(Settings.defaultStateDir(Map.of("HOME", "/h"), "/account")).isEqualTo(Path.of("/h/.local/state/corral"));
        assertThat(Settings.defaultStateDir(Map.of("HOME", ""), "/account")).isEqualTo(Path.of("/account/.local/state/corral"));
        assertThat(Settings.defaultStateDir(Map.of(), "/account")).isEqualTo(Path.of("/account/.local/state/corral"));
    }
}
