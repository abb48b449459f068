package dev.corral.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.sim.Simulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `corral doctor --config` reports drifted and unpinned models from the simulator's /api/tags. */
class PinCheckTest {
    @TempDir
    Path dir;

    @Test
    void driftedModelsFailAndUnpinnedOnesWarn() throws Exception {
        try (Simulator sim = Simulator.start(SimConfig.defaults(new HostPort("127.0.0.1", 0)))) {
            Path config = dir.resolve("corral.yaml");
            Files.writeString(config, "upstream:\n  url: http://127.0.0.1:" + sim.port() + "\nstate_dir: " + dir.resolve("state")
                    + "\npolicy:\n  pins:\n    \"llama3.2:3b\": " + sim.digest("llama3.2:3b") + "\n    qwen2.5:7b: " + "e".repeat(64) + "\n");
            List<Finding> findings = run(config);
            assertThat(findings).extracting(Finding::id).containsExactly("corral.models.drift", "corral.models.pinned");
            assertThat(findings.get(0).severity()).isEqualTo(Severity.FAIL);
            assertThat(findings.get(0).evidence()).contains("qwen2.5:7b is pinned to " + "e".repeat(64)
                    + " but Ollama has " + sim.digest("qwen2.5:7b")).doesNotContain("llama3.2");
            assertThat(findings.get(1).severity()).isEqualTo(Severity.WARN);
            assertThat(findings.get(1).evidence()).contains("nomic-embed-text:latest").doesNotContain("llama3.2:3b");

            sim.setDigest("qwen2.5:7b", "e".repeat(64));
            assertThat(run(config).get(0).severity()).isEqualTo(Severity.PASS);
        }
    }

    @Test
    void anUnreachableOllamaIsSkippedNotPassed() throws Exception {
        Path config = dir.resolve("corral.yaml");
        Files.writeString(config, "upstream:\n  url: http://127.0.0.1:9\nstate_dir: " + dir.resolve("state") + "\n");
        assertThat(run(config)).extracting(Finding::severity).containsOnly(Severity.SKIP);
    }

    private static List<Finding> run(Path config) {
        return new PinCheck().run(null, new DoctorOptions(false, "ollama", null, null, "ollama", null, null, null, null, null,
                false, null, config, false));
    }
}
