package dev.corral.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.config.ConfigException;
import dev.corral.config.ConfigLoader;
import dev.corral.config.Pins;
import dev.corral.refusal.RefusalKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pinned models decided from policy.pins and the digests /api/tags reported. */
class PinPolicyTest {
    static final String A = "a".repeat(64);
    static final String B = "b".repeat(64);
    static final Pins PINS = new Pins(Map.of("llama3.2:3b", A, "mistral", A), java.time.Duration.ofSeconds(60));

    @Test
    void aModelWithItsPinnedDigestRuns() {
        assertThat(PinPolicy.decide(PINS, Map.of("llama3.2:3b", A, "mistral:latest", A), "llama3.2:3b")).isNull();
        assertThat(PinPolicy.decide(PINS, Map.of("mistral:latest", A), "Mistral")).isNull();
        assertThat(PinPolicy.decide(PINS, Map.of("mistral:latest", A), "registry.ollama.ai/library/mistral:latest")).isNull();
    }

    @Test
    void aDriftedModelIsRefusedNamingBothDigests() {
        var r = PinPolicy.decide(PINS, Map.of("llama3.2:3b", B), "LLAMA3.2:3b");
        assertThat(r.kind()).isEqualTo(RefusalKind.CONFLICT);
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.message()).contains(A, B, "policy.pins");
    }

    @Test
    void aPinnedModelNotCheckedOrNotThereIsRefused() {
        assertThat(PinPolicy.decide(PINS, null, "llama3.2:3b").kind()).isEqualTo(RefusalKind.SERVICE_UNAVAILABLE);
        assertThat(PinPolicy.decide(PINS, Map.of(), "mistral").kind()).isEqualTo(RefusalKind.CONFLICT);
    }

    @Test
    void unpinnedModelsAreNotTouched() {
        assertThat(PinPolicy.decide(PINS, null, "qwen2.5:7b")).isNull();
        assertThat(PinPolicy.decide(PINS, Map.of("llama3.2:1b", B), "llama3.2:1b")).isNull();
    }

    @Test
    void driftListsEveryPinnedModelThatDiffers() {
        assertThat(PinPolicy.drifted(PINS, Map.of("llama3.2:3b", B))).containsExactlyInAnyOrderEntriesOf(
                Map.of("llama3.2:3b", B, "mistral:latest", ""));
    }

    @Test
    void pinsAreCheckedWhenTheConfigurationIsLoaded() throws Exception {
        Path f = Files.createTempFile("pins-", ".yaml");
        try {
            Files.writeString(f, "policy:\n  pins:\n    \"llama3.2:3b\": sha256:" + A.toUpperCase() + "\n");
            assertThat(new ConfigLoader(Map.of()).load(f, Map.of()).pins().digests()).containsEntry("llama3.2:3b", A);
            Files.writeString(f, "policy:\n  pins:\n    \"llama3.2:3b\": latest\n");
            assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(f, Map.of())).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("policy.pins.llama3.2:3b").hasMessageContaining("64 hex digits");
            Files.writeString(f, "policy:\n  options:\n    runner: {num_ctx: big}\n");
            assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(f, Map.of())).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("policy.options.runner.num_ctx: expected a whole number");
            Files.writeString(f, "policy:\n  options:\n    runner: {num_ctxx: 1}\n");
            assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(f, Map.of())).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("not a runner option");
            Files.writeString(f, "policy:\n  key_options:\n    ci:\n      keep_alive_min: 2h\n");
            assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(f, Map.of())).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("policy.key_options.ci.keep_alive_min").hasMessageContaining("keep_alive_max");
            Files.writeString(f, "policy:\n  key_options:\n    ci:\n      over_max: maybe\n");
            assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(f, Map.of())).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("must be clamp or refuse");
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
