package dev.corral.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each host check against fixture trees: captured command outputs, /proc, /etc, permission trees. */
class DoctorFixtureTest {
    static final String SHOW_ENV = "systemctl show ollama -p LoadState -p Environment";
    static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

    @TempDir
    Path dir;
    FixtureHost host;
    DoctorOptions opts;

    @BeforeEach
    void setUp() {
        host = new FixtureHost(dir);
        opts = DoctorOptions.defaults();
    }

    static String tcp(String localHexAddr, int port, String inode) {
        return String.format("   0: %s:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000   997        0 %s 1 0000000000000000 100 0 0 10 0%n",
                localHexAddr, port, inode);
    }

    static Finding one(List<Finding> f, String id) {
        return f.stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError("no finding " + id + " in " + f));
    }

    @Test
    void bindOnLoopbackPassesPrivateWarnsWildcardFails() throws Exception {
        host.file("/proc/net/tcp", HEADER + tcp("0100007F", 11434, "111") + tcp("0100007F", 22, "5"));
        assertThat(new BindCheck().run(host, opts)).singleElement().extracting(Finding::severity).isEqualTo(Severity.PASS);

        host.file("/proc/net/tcp", HEADER + tcp("0A00000A", 11434, "112"));
        Finding priv = new BindCheck().run(host, opts).get(0);
        assertThat(priv.severity()).isEqualTo(Severity.WARN);
        assertThat(priv.evidence()).contains("10.0.0.10:11434");

        host.file("/proc/net/tcp", HEADER + tcp("00000000", 11434, "113"));
        host.file("/proc/net/tcp6", HEADER + tcp("00000000000000000000000000000000", 11434, "114"));
        List<Finding> wild = new BindCheck().run(host, opts);
        assertThat(wild).hasSize(2).allMatch(f -> f.severity() == Severity.FAIL);
        assertThat(wild.get(0).fix()).contains("OLLAMA_HOST=127.0.0.1:11434");
        assertThat(wild.get(1).evidence()).contains("[0:0:0:0:0:0:0:0]:11434");
    }

    @Test
    void aContainerProxyPublishingOnAllInterfacesFailsWithThePortFix() throws Exception {
        host.file("/proc/net/tcp", HEADER + tcp("00000000", 11434, "4242"));
        host.process(3100, "docker-proxy", List.of("/usr/bin/docker-proxy", "-proto", "tcp"), Map.of(), "4242");
        Finding f = new BindCheck().run(host, opts).get(0);
        assertThat(f.severity()).isEqualTo(Severity.FAIL);
        assertThat(f.evidence()).contains("docker-proxy").contains("pid 3100");
        assertThat(f.fix()).contains("-p 127.0.0.1:11434:11434");
    }

    @Test
    void thePortComesFromOllamaHostInTheUnit() throws Exception {
        host.command(SHOW_ENV, "LoadState=loaded\nEnvironment=\"OLLAMA_HOST=0.0.0.0:8080\" OLLAMA_MODELS=/srv/models\n");
        host.file("/proc/net/tcp", HEADER + tcp("00000000", 8080, "9") + tcp("0100007F", 11434, "10"));
        Finding f = new BindCheck().run(host, opts).get(0);
        assertThat(f.severity()).isEqualTo(Severity.FAIL);
        assertThat(f.evidence()).contains(":8080");
    }

    @Test
    void environmentFindingsFromTheUnitAndTheProcess() throws Exception {
        host.command(SHOW_ENV, "LoadState=loaded\nEnvironment=OLLAMA_ORIGINS=* OLLAMA_HOST=0.0.0.0\n");
        host.process(777, "ollama", List.of("/usr/local/bin/ollama", "serve"), Map.of("OLLAMA_DEBUG_LOG_REQUESTS", "1",
                "HOME", "/usr/share/ollama"));
        List<Finding> f = new EnvironmentCheck().run(host, opts);
        assertThat(one(f, "ollama.env.origins").severity()).isEqualTo(Severity.FAIL);
        assertThat(one(f, "ollama.env.debug_log_requests").severity()).isEqualTo(Severity.FAIL);
        assertThat(one(f, "ollama.env.debug_log_requests").evidence()).contains("/proc/777/environ");
        assertThat(one(f, "ollama.env.no_cloud").severity()).isEqualTo(Severity.WARN);
        assertThat(one(f, "ollama.env.host").severity()).isEqualTo(Severity.FAIL);

        host.command(SHOW_ENV, "LoadState=loaded\nEnvironment=\"OLLAMA_HOST=127.0.0.1:11434\" OLLAMA_NO_CLOUD=1 OLLAMA_ORIGINS=https://app.example\n");
        Files.delete(host.path("/proc/777/environ"));
        host.file("/proc/777/environ", "");
        List<Finding> good = new EnvironmentCheck().run(host, opts);
        assertThat(good).allMatch(x -> x.severity() == Severity.PASS);
    }

    @Test
    void environmentIsSkippedNotPassedWhenNothingCanBeRead() {
        host.failing(SHOW_ENV, "System has not been booted with systemd as init system (PID 1). Can't operate.");
        List<Finding> f = new EnvironmentCheck().run(host, opts);
        assertThat(f).hasSize(4).allMatch(x -> x.severity() == Severity.SKIP);
        assertThat(f.get(0).evidence()).contains("not been booted with systemd");
    }

    static final String STOCK_SHOW = """
            LoadState=loaded
            PrivateDevices=no
            MemoryDenyWriteExecute=no
            NoNewPrivileges=no
            ProtectSystem=no
            ProtectHome=no
            PrivateTmp=no
            ProtectKernelTunables=no
            ProtectKernelModules=no
            ProtectKernelLogs=no
            ProtectControlGroups=no
            RestrictNamespaces=no
            RestrictSUIDSGID=no
            RestrictRealtime=no
            LockPersonality=no
            CapabilityBoundingSet=cap_chown cap_dac_override cap_fowner cap_kill cap_net_admin cap_sys_admin
            SystemCallFilter=
            MemoryMax=infinity
            TasksMax=38315
            DevicePolicy=auto
            """;

    static String showCommand() {
        StringBuilder sb = new StringBuilder("systemctl show ollama -p LoadState -p PrivateDevices -p MemoryDenyWriteExecute"
                + " -p DeviceAllow");
        for (String p : List.of("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "ProtectKernelTunables",
                "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "RestrictNamespaces", "RestrictSUIDSGID",
                "RestrictRealtime", "LockPersonality", "CapabilityBoundingSet", "SystemCallFilter", "MemoryMax", "TasksMax",
                "DevicePolicy")) {
            sb.append(" -p ").append(p);
        }
        return sb.toString();
    }

    @Test
    void theStockUnitIsExposedAndAHardenedOnePasses() throws Exception {
        host.command(showCommand(), STOCK_SHOW);
        host.command("systemd-analyze security ollama.service", "  NAME  DESCRIPTION  EXPOSURE\n...\n"
                + "→ Overall exposure level for ollama.service: 9.2 UNSAFE 😨\n");
        List<Finding> f = new SandboxCheck().run(host, opts);
        assertThat(one(f, "ollama.systemd.sandbox").severity()).isEqualTo(Severity.WARN);
        assertThat(one(f, "ollama.systemd.sandbox").evidence()).contains("NoNewPrivileges=no (want yes)")
                .contains("misses 16 of 17");
        assertThat(one(f, "ollama.systemd.exposure").severity()).isEqualTo(Severity.FAIL);
        assertThat(one(f, "ollama.systemd.exposure").evidence()).contains("9.2");
        assertThat(one(f, "ollama.systemd.gpu").severity()).isEqualTo(Severity.SKIP);

        String hardened = STOCK_SHOW.replaceAll("=no\n", "=yes\n").replace("ProtectSystem=yes", "ProtectSystem=strict")
                .replace("PrivateDevices=yes", "PrivateDevices=no").replace("MemoryDenyWriteExecute=yes", "MemoryDenyWriteExecute=no")
                .replaceAll("CapabilityBoundingSet=.*", "CapabilityBoundingSet=")
                .replace("SystemCallFilter=\n", "SystemCallFilter=_llseek accept4 access\n")
                .replace("MemoryMax=infinity", "MemoryMax=51539607552")
                .replace("DevicePolicy=auto", "DevicePolicy=closed\nDeviceAllow=char-nvidia rw\nDeviceAllow=char-nvidia-uvm rw");
        host.command(showCommand(), hardened);
        host.file("/proc/devices", DeviceAllowTest.NVIDIA_555);
        host.command("systemd-analyze security ollama.service", "→ Overall exposure level for ollama.service: 1.6 OK 🙂\n");
        host.file("/dev/nvidiactl", "");
        List<Finding> g = new SandboxCheck().run(host, opts);
        assertThat(g).allMatch(x -> x.severity() == Severity.PASS);
    }

    @Test
    void privateDevicesOnAGpuHostFails() throws Exception {
        host.file("/dev/nvidiactl", "");
        host.command(showCommand(), STOCK_SHOW.replace("PrivateDevices=no", "PrivateDevices=yes")
                .replace("MemoryDenyWriteExecute=no", "MemoryDenyWriteExecute=yes"));
        Finding gpu = one(new SandboxCheck().run(host, opts), "ollama.systemd.gpu");
        assertThat(gpu.severity()).isEqualTo(Severity.FAIL);
        assertThat(gpu.evidence()).contains("PrivateDevices=yes hides").contains("CUDA");
    }

    @Test
    void aUnitFileIsAnalysedOffline() throws Exception {
        Path unit = Files.writeString(dir.resolve("ollama.service"), "[Unit]\nDescription=x\n[Service]\nExecStart=/usr/bin/ollama serve\n"
                + "NoNewPrivileges=true\nProtectSystem=strict\nPrivateDevices=yes\nSystemCallFilter=@system-service\n");
        host.command("systemd-analyze security --offline=true " + unit, "→ Overall exposure level for ollama.service: 4.1 OK\n");
        host.file("/dev/kfd", "");
        DoctorOptions o = new DoctorOptions(true, "ollama", unit, null, "ollama", null, null, null, null, null, false, null, null, false);
        List<Finding> f = new SandboxCheck().run(host, o);
        assertThat(one(f, "ollama.systemd.exposure").severity()).isEqualTo(Severity.WARN);
        assertThat(one(f, "ollama.systemd.sandbox").evidence()).doesNotContain("NoNewPrivileges").doesNotContain("ProtectSystem")
                .doesNotContain("SystemCallFilter").contains("PrivateTmp=(unset)");
        assertThat(one(f, "ollama.systemd.gpu").severity()).isEqualTo(Severity.FAIL);
    }

    @Test
    void noSystemdMeansSkipped() {
        host.failing(showCommand(), "System has not been booted with systemd as init system (PID 1). Can't operate.");
        assertThat(new SandboxCheck().run(host, opts)).allMatch(x -> x.severity() == Severity.SKIP);
    }

    @Test
    void withoutSystemdTheSystemctlErrorIsSaidOnceAndTheOtherFindingsReferToIt() {
        String booted = "System has not been booted with systemd as init system (PID 1). Can't operate.";
        host.failingProgram("systemctl", booted + "\nFailed to connect to bus: Host is down\n");
        List<Finding> f = new Doctor(new PrintWriter(new StringWriter())).run(host, opts);
        assertThat(f.stream().filter(x -> x.evidence().contains(booted))).hasSize(1);
        assertThat(one(f, "ollama.env.origins").evidence())
                .contains("systemd is not available (systemctl show ollama failed: " + booted + ")");
        for (String id : List.of("ollama.env.debug_log_requests", "ollama.env.no_cloud", "ollama.env.host",
                "ollama.systemd.sandbox", "ollama.systemd.exposure")) {
            assertThat(one(f, id).severity()).as(id).isEqualTo(Severity.SKIP);
            assertThat(one(f, id).evidence()).as(id).contains("systemd is not available (see ollama.env.origins above)");
        }
        assertThat(one(f, "ollama.systemd.sandbox").evidence()).contains("give --unit-file FILE");
        String table = Report.table(f, false);
        assertThat(table.split(java.util.regex.Pattern.quote(booted), -1)).hasSize(2); // once
        assertThat(Report.json(f).split(java.util.regex.Pattern.quote(booted), -1)).hasSize(2);
    }

    @Test
    void withoutSystemctlAtAllThatIsSaidOnceToo() {
        List<Finding> f = new Doctor(new PrintWriter(new StringWriter())).run(host, opts); // no command exists
        assertThat(f.stream().filter(x -> x.evidence().contains("systemctl is not installed"))).hasSize(1);
        assertThat(one(f, "ollama.systemd.exposure").evidence()).startsWith("systemd is not available (see ollama.env.origins above)");
    }

    @Test
    void humanAccountsInVideoOrRenderWarn() throws Exception {
        host.file("/etc/group", "root:x:0:\nvideo:x:44:alice,ollama\nrender:x:105:bob\nstaff:x:50:alice\ncarolgrp:x:1002:\n");
        host.file("/etc/passwd", """
                root:x:0:0:root:/root:/bin/bash
                ollama:x:999:988::/usr/share/ollama:/bin/false
                alice:x:1000:1000:Alice:/home/alice:/bin/bash
                bob:x:1001:1001:Bob:/home/bob:/usr/sbin/nologin
                carol:x:1002:105:Carol:/home/carol:/bin/zsh
                """);
        Finding f = new GpuGroupCheck().run(host, opts).get(0);
        assertThat(f.severity()).isEqualTo(Severity.WARN);
        assertThat(f.evidence()).contains("alice (uid 1000").contains("carol (uid 1002").doesNotContain("bob").doesNotContain("ollama (");
        assertThat(f.fix()).contains("gpasswd -d alice video").contains("gpasswd -d carol render");
        host.file("/etc/group", "video:x:44:ollama\nrender:x:999:\n");
        assertThat(new GpuGroupCheck().run(host, opts).get(0).severity()).isEqualTo(Severity.PASS);
    }

    @Test
    void modelStorePermissionsArePrintedThenFixedOnlyWithFix() throws Exception {
        String me = System.getProperty("user.name");
        Path store = host.path("/srv/models");
        Files.createDirectories(store.resolve("blobs"));
        Files.createDirectories(store.resolve("manifests/registry.ollama.ai"));
        Path blob = Files.writeString(store.resolve("blobs/sha256-abc"), "weights");
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(store.resolve("blobs"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(store.resolve("manifests"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(store.resolve("manifests/registry.ollama.ai"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(blob, PosixFilePermissions.fromString("rw-r--r--"));
        DoctorOptions o = new DoctorOptions(true, "ollama", null, Path.of("/srv/models"), me, null, null, null, null, null,
                false, null, null, false);
        StringWriter changes = new StringWriter();
        Finding before = new ModelStoreCheck(new PrintWriter(changes)).run(host, o).get(0);
        assertThat(before.severity()).isEqualTo(Severity.FAIL);
        assertThat(before.evidence()).contains("3 path(s)").contains("/srv/models/blobs/sha256-abc (mode 0644)");
        assertThat(before.fix()).contains("chmod 0700 /srv/models").contains("chmod 0600 /srv/models/blobs/sha256-abc");
        assertThat(changes.toString()).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(blob))).isEqualTo("rw-r--r--");

        DoctorOptions fix = new DoctorOptions(true, "ollama", null, Path.of("/srv/models"), me, null, null, null, null, null,
                false, null, null, true);
        Finding after = new ModelStoreCheck(new PrintWriter(changes)).run(host, fix).get(0);
        assertThat(after.severity()).isEqualTo(Severity.PASS);
        assertThat(changes.toString()).contains("fixed: chmod 0600 /srv/models/blobs/sha256-abc").contains("fixed: chmod 0700 /srv/models");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(blob))).isEqualTo("rw-------");
        assertThat(new ModelStoreCheck(new PrintWriter(new StringWriter())).run(host, o).get(0).severity()).isEqualTo(Severity.PASS);
    }

    @Test
    void aStoreOwnedBySomeoneElseFailsWithChown() throws Exception {
        Path store = host.path("/srv/m2");
        Files.createDirectories(store);
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwx------"));
        DoctorOptions o = new DoctorOptions(true, "ollama", null, Path.of("/srv/m2"), "nobody-here", null, null, null, null,
                null, false, null, null, false);
        Finding f = new ModelStoreCheck(new PrintWriter(new StringWriter())).run(host, o).get(0);
        assertThat(f.severity()).isEqualTo(Severity.FAIL);
        assertThat(f.fix()).contains("chown nobody-here:nobody-here /srv/m2");
    }

    @Test
    void versionAndChecksumAgainstThePins() throws Exception {
        host.command("ollama --version", "Warning: could not connect to a running Ollama instance\nWarning: client version is 0.12.6\n");
        Path bin = Files.writeString(host.path("/usr/local/bin/ollama").getParent().toFile().mkdirs() ? host.path("/usr/local/bin/ollama")
                : host.path("/usr/local/bin/ollama"), "#!/bin/true binary");
        String sum = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(bin)));
        Path good = Files.writeString(dir.resolve("sha256sum.txt"), "0".repeat(64) + "  ollama-linux-arm64.tgz\n" + sum + "  ollama\n");
        Path bad = Files.writeString(dir.resolve("bad.txt"), "1".repeat(64) + "  ollama\n");
        DoctorOptions pinned = new DoctorOptions(true, "ollama", null, null, "ollama", "0.12.6", good, null, null, null, false, null, null, false);
        List<Finding> ok = new VersionCheck().run(host, pinned);
        assertThat(one(ok, "ollama.version").severity()).isEqualTo(Severity.PASS);
        assertThat(one(ok, "ollama.binary.sha256").severity()).isEqualTo(Severity.PASS);
        DoctorOptions wrong = new DoctorOptions(true, "ollama", null, null, "ollama", "v0.13.0", bad, null, null, null, false, null, null, false);
        List<Finding> ko = new VersionCheck().run(host, wrong);
        assertThat(one(ko, "ollama.version").severity()).isEqualTo(Severity.FAIL);
        assertThat(one(ko, "ollama.version").evidence()).contains("0.12.6").contains("v0.13.0");
        assertThat(one(ko, "ollama.binary.sha256").severity()).isEqualTo(Severity.FAIL);
        List<Finding> unpinned = new VersionCheck().run(host, opts);
        assertThat(unpinned).allMatch(x -> x.severity() == Severity.SKIP);
        assertThat(one(unpinned, "ollama.version").evidence()).contains("0.12.6 is installed; no pin given");
    }
}
