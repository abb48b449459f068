package dev.corral.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.cli.CorralCommand;
import dev.corral.config.HostPort;
import dev.corral.harden.CorralUnit;
import dev.corral.harden.OllamaDropIn;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated units scored by the real `systemd-analyze security --offline=true` (CI installs
 * systemd when missing): the GPU drop-in on the stock unit ≤ 1.6, the CPU drop-in ≤ 1.5, Corral's unit ≤ 1.5.
 */
class HardenTest {
    @TempDir
    Path dir;

    static double score(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("SYSTEMD_COLORS", "0");
        Process p = pb.start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        p.waitFor();
        Matcher m = Pattern.compile("Overall exposure level for \\S+: ([0-9.]+)").matcher(out);
        if (!m.find()) {
            throw new AssertionError("no score from " + command + ":\n" + out);
        }
        return Double.parseDouble(m.group(1));
    }

    static void requireSystemdAnalyze() {
        boolean have = Files.isExecutable(Path.of("/usr/bin/systemd-analyze")) || Files.isExecutable(Path.of("/bin/systemd-analyze"));
        if (!have && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("systemd-analyze is missing in CI (scripts/test-deps.sh installs it)");
        }
        Assumptions.assumeTrue(have, "systemd-analyze is not installed (apt-get install systemd)");
    }

    double dropInScore(String dropIn) throws Exception {
        Path root = dir.resolve("root-" + dropIn.hashCode());
        Path units = Files.createDirectories(root.resolve("etc/systemd/system/ollama.service.d"));
        try (InputStream stock = getClass().getResourceAsStream("/units/ollama.service")) {
            Files.write(root.resolve("etc/systemd/system/ollama.service"), stock.readAllBytes());
        }
        Files.writeString(units.resolve("override.conf"), dropIn);
        return score(List.of("systemd-analyze", "security", "--offline=true", "--root=" + root, "ollama.service"));
    }

    @Test
    void theStockUnitScoresAsTheGuideSays() throws Exception {
        requireSystemdAnalyze();
        assertThat(dropInScore("[Service]\n")).isEqualTo(9.2);
    }

    @Test
    void theGpuDropInScoresAtMost2AndKeepsTheGpu() throws Exception {
        requireSystemdAnalyze();
        String gpu = OllamaDropIn.render(true, "48G", new HostPort("127.0.0.1", 11434), null);
        assertThat(dropInScore(gpu)).isLessThanOrEqualTo(1.6); // what README promises; listing both namings costs nothing
        // NVIDIA major 195 under the names before driver 550 and from 550 on; systemd skips the one that is not there.
        assertThat(gpu).contains("DeviceAllow=char-nvidia-frontend rw\n").contains("DeviceAllow=char-nvidia rw\n")
                .contains("DeviceAllow=char-nvidiactl rw\n").contains("DeviceAllow=char-kfd rw\n").contains("DeviceAllow=char-drm rw\n");
        assertThat(gpu).contains("PrivateDevices=no").contains("MemoryDenyWriteExecute=no").contains("DeviceAllow=char-nvidia-uvm rw")
                .contains("ProcSubset=all").contains("OLLAMA_NO_CLOUD=1").contains("OLLAMA_HOST=127.0.0.1:11434")
                .contains("MemoryMax=48G");
        // every option left open says why, on the lines just above it
        assertThat(gpu).containsPattern("# .*hide /dev/nvidia\\*.*\\n(#.*\\n)*PrivateDevices=no")
                .containsPattern("# CUDA .*\\nMemoryDenyWriteExecute=no").containsPattern("# .*/proc/meminfo.*\\nProcSubset=all");
    }

    @Test
    void theCpuDropInScoresAtMost1point5() throws Exception {
        requireSystemdAnalyze();
        String cpu = OllamaDropIn.render(false, "90%", new HostPort("127.0.0.1", 11434), "/srv/ollama-models");
        assertThat(dropInScore(cpu)).isLessThanOrEqualTo(1.5);
        assertThat(cpu).contains("PrivateDevices=yes").contains("ReadWritePaths=/usr/share/ollama /srv/ollama-models");
    }

    @Test
    void corralsOwnUnitScoresAtMost1point5() throws Exception {
        requireSystemdAnalyze();
        Path unit = Files.writeString(dir.resolve("corral.service"),
                CorralUnit.render(CorralUnit.PACKAGED_EXEC, "/etc/corral/corral.yaml", "2G"));
        assertThat(score(List.of("systemd-analyze", "security", "--offline=true", unit.toString()))).isLessThanOrEqualTo(1.5);
    }

    @Test
    void hardenPrintsByDefaultAndWritesOnlyWithWrite() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CorralCommand.commandLine(new PrintWriter(out), new PrintWriter(err))
                .execute("harden", "ollama", "--cpu", "--unit-dir", dir.toString());
        assertThat(code).isZero();
        assertThat(out.toString()).startsWith("# /etc/systemd/system/ollama.service.d/override.conf").contains("[Service]");
        assertThat(Files.exists(dir.resolve("ollama.service.d"))).isFalse();
        code = CorralCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err))
                .execute("harden", "ollama", "--gpu", "--write", "--memory-max", "40G", "--unit-dir", dir.toString());
        assertThat(code).isZero();
        assertThat(Files.readString(dir.resolve("ollama.service.d/override.conf"))).contains("MemoryMax=40G").contains("DeviceAllow");
        assertThat(err.toString()).contains("systemctl daemon-reload && systemctl restart ollama");
        assertThat(CorralCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))
                .execute("harden", "ollama", "--gpu", "--cpu")).isEqualTo(2);
        assertThat(CorralCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))
                .execute("harden", "ollama", "--memory-max", "lots")).isEqualTo(2);
        code = CorralCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err))
                .execute("harden", "corral", "--write", "--unit-dir", dir.toString());
        assertThat(code).isZero();
        assertThat(Files.readString(dir.resolve("corral.service"))).contains("User=corral\n").contains("Group=corral\n")
                .contains("ExecStart=/usr/bin/corral serve --config /etc/corral/corral.yaml\n")
                .contains("RuntimeDirectoryMode=0750\n").contains("StateDirectoryMode=0700\n").contains("CapabilityBoundingSet=\n");
        assertThat(err.toString()).contains("adduser --system --group");
    }
}
