package dev.corral.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.HostPort;
import dev.corral.harden.OllamaDropIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unit's DeviceAllow=char-GROUP lines against the live /proc/devices: NVIDIA renamed major 195 from
 * nvidia-frontend to nvidia + nvidiactl in driver 550, and systemd silently skips a group that does not exist.
 */
class DeviceAllowTest {
    /** /proc/devices with NVIDIA 555 (the naming since 550). */
    static final String NVIDIA_555 = """
            Character devices:
              1 mem
              4 /dev/vc/0
              5 /dev/tty
            136 pts
            195 nvidia
            195 nvidiactl
            226 drm
            509 nvidia-nvswitch
            510 nvidia-uvm
            511 nvidia-caps

            Block devices:
              7 loop
              8 sd
            259 blkext
            """;

    /** /proc/devices with NVIDIA 535 (before 550). */
    static final String NVIDIA_535 = """
            Character devices:
              1 mem
            136 pts
            195 nvidia-frontend
            226 drm
            508 nvidia-uvm
            510 nvidia-caps

            Block devices:
              8 sd
            """;

    /** /proc/devices with amdgpu and ROCm's kfd. */
    static final String AMD = """
            Character devices:
              1 mem
            136 pts
            226 drm
            235 kfd

            Block devices:
              8 sd
            """;

    @TempDir
    Path dir;
    FixtureHost host;

    @BeforeEach
    void setUp() {
        host = new FixtureHost(dir);
    }

    static Finding devices(List<Finding> f) {
        return DoctorFixtureTest.one(f, DeviceAllowCheck.ID);
    }

    List<Finding> offline(String unitText) throws Exception {
        Path unit = Files.writeString(dir.resolve("ollama.service"), unitText);
        DoctorOptions o = new DoctorOptions(true, "ollama", unit, null, "ollama", null, null, null, null, null, false, null, null, false);
        return new SandboxCheck().run(host, o);
    }

    static String gpuDropIn() {
        return OllamaDropIn.render(true, "48G", new HostPort("127.0.0.1", 11434), null);
    }

    @Test
    void hardensGpuDropInReachesTheGpuWithTheDriver550Naming() throws Exception {
        host.file("/proc/devices", NVIDIA_555);
        Finding f = devices(offline(gpuDropIn()));
        assertThat(f.severity()).as(f.toString()).isEqualTo(Severity.PASS);
        assertThat(f.evidence()).contains("nvidia (195)").contains("nvidiactl (195)").contains("nvidia-uvm (510)")
                .contains("skipped by systemd: char-nvidia-frontend, char-kfd");
    }

    @Test
    void hardensGpuDropInReachesTheGpuWithTheOldNaming() throws Exception {
        host.file("/proc/devices", NVIDIA_535);
        Finding f = devices(offline(gpuDropIn()));
        assertThat(f.severity()).as(f.toString()).isEqualTo(Severity.PASS);
        assertThat(f.evidence()).contains("nvidia-frontend (195)").contains("nvidia-uvm (508)")
                .contains("char-nvidia,").contains("char-nvidiactl").contains("before 550");
    }

    @Test
    void hardensGpuDropInReachesAnAmdGpu() throws Exception {
        host.file("/proc/devices", AMD);
        Finding f = devices(offline(gpuDropIn()));
        assertThat(f.severity()).as(f.toString()).isEqualTo(Severity.PASS);
        assertThat(f.evidence()).contains("kfd (235)").contains("drm (226)").contains("char-nvidia-frontend");
    }

    @Test
    void anOldDropInNamingOnlyNvidiaFrontendFailsOnDriver555WithTheFix() throws Exception {
        host.file("/proc/devices", NVIDIA_555);
        // What `corral harden ollama --gpu` wrote before: major 195 only as nvidia-frontend.
        host.command(DoctorFixtureTest.showCommand(), """
                LoadState=loaded
                PrivateDevices=no
                MemoryDenyWriteExecute=no
                DeviceAllow=char-nvidia-frontend rw
                DeviceAllow=char-nvidia-uvm rw
                DeviceAllow=char-nvidia-caps rw
                DeviceAllow=/dev/kfd rw
                DeviceAllow=char-drm rw
                DevicePolicy=closed
                """);
        Finding f = devices(new SandboxCheck().run(host, DoctorOptions.defaults()));
        assertThat(f.severity()).isEqualTo(Severity.FAIL);
        assertThat(f.evidence()).contains("/dev/nvidia0.. and /dev/nvidiactl (major 195) blocked")
                .contains("DeviceAllow=char-nvidia-frontend names no group in /proc/devices, which calls major 195 nvidia and nvidiactl")
                .contains("falls back to the CPU").contains("nvidia-uvm (510)");
        assertThat(f.fix()).contains("DeviceAllow=char-nvidia rw").contains("DeviceAllow=char-nvidiactl rw")
                .contains("corral harden ollama --gpu --write").contains("systemctl daemon-reload");
    }

    @Test
    void aGpuDeviceNoLineNamesFailsAndAnAmdLineMissingItsGroupFails() throws Exception {
        host.file("/proc/devices", NVIDIA_555);
        Finding noUvm = devices(offline("[Service]\nDevicePolicy=closed\nDeviceAllow=char-nvidia rw\n"));
        assertThat(noUvm.severity()).isEqualTo(Severity.FAIL);
        assertThat(noUvm.evidence()).contains("/dev/nvidia-uvm (CUDA) blocked: no DeviceAllow= line names nvidia-uvm");
        assertThat(noUvm.fix()).contains("DeviceAllow=char-nvidia-uvm rw");

        host.file("/proc/devices", AMD);
        Finding amd = devices(offline("[Service]\nDevicePolicy=closed\nDeviceAllow=char-amdkfd rw\nDeviceAllow=char-drm rw\n"));
        assertThat(amd.severity()).isEqualTo(Severity.FAIL);
        assertThat(amd.evidence()).contains("/dev/kfd (ROCm compute) blocked");
        assertThat(amd.fix()).contains("DeviceAllow=char-kfd rw");
    }

    @Test
    void globsResolveLikeSystemdsFnmatchAndReadOnlyIsNotEnough() throws Exception {
        host.file("/proc/devices", NVIDIA_555);
        assertThat(devices(offline("[Service]\nDevicePolicy=closed\nDeviceAllow=char-nvidia* rw\n")).severity())
                .isEqualTo(Severity.PASS);
        Finding ro = devices(offline("[Service]\nDevicePolicy=strict\nDeviceAllow=char-nvidia* r\n"));
        assertThat(ro.severity()).isEqualTo(Severity.FAIL);
        assertThat(ro.evidence()).contains("lacks rw");
    }

    @Test
    void noAllowListOrNoGpuDriverIsNotAFailure() throws Exception {
        host.file("/proc/devices", NVIDIA_555);
        assertThat(devices(offline("[Service]\nExecStart=/usr/bin/ollama serve\n")).severity()).isEqualTo(Severity.PASS);
        host.file("/proc/devices", "Character devices:\n  1 mem\n136 pts\n\nBlock devices:\n  8 sd\n");
        Finding cpu = devices(offline(gpuDropIn()));
        assertThat(cpu.severity()).isEqualTo(Severity.SKIP);
        assertThat(cpu.evidence()).contains("no GPU driver in /proc/devices");
        Files.delete(host.path("/proc/devices"));
        assertThat(devices(offline(gpuDropIn())).severity()).isEqualTo(Severity.SKIP);
    }
}
