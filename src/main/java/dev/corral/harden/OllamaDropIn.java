package dev.corral.harden;

import dev.corral.config.HostPort;

/**
 * The systemd drop-in that hardens the stock ollama.service (ollama.service.d/override.conf).
 * Measured with systemd-analyze security --offline=true on Debian 12's systemd 252 over the stock
 * unit (9.2): the GPU variant scores 1.6, the CPU variant lower. Every setting the GPU variant
 * leaves open says why, so nobody "fixes" it into a CPU-only Ollama.
 */
public final class OllamaDropIn {
    private OllamaDropIn() {}

    /**
     * @param gpu       keep NVIDIA/AMD devices usable (device allow-list), else PrivateDevices=yes
     * @param memoryMax e.g. "48G" or "80%"
     * @param bind      the address Ollama listens on (loopback: only Corral reaches it)
     * @param modelsDir a model store outside Ollama's home, or null
     */
    public static String render(boolean gpu, String memoryMax, HostPort bind, String modelsDir) {
        StringBuilder u = new StringBuilder();
        u.append("# /etc/systemd/system/ollama.service.d/override.conf, written by `corral harden ollama")
                .append(gpu ? " --gpu" : " --cpu").append("`.\n");
        u.append("# Apply: systemctl daemon-reload && systemctl restart ollama\n");
        u.append("# Check: systemd-analyze security ollama.service   (and: corral doctor)\n");
        u.append("[Service]\n");
        u.append("# Only Corral, on this host, talks to Ollama.\n");
        u.append("Environment=\"OLLAMA_HOST=").append(bind).append("\"\n");
        u.append("# ':cloud' models would run on ollama.com, billed to this server's account.\n");
        u.append("Environment=\"OLLAMA_NO_CLOUD=1\"\n");
        if (modelsDir != null) {
            u.append("Environment=\"OLLAMA_MODELS=").append(modelsDir).append("\"\n");
        }
        u.append("\n# File system: read-only everywhere but Ollama's home (models, keys)");
        u.append(modelsDir != null ? " and the model store.\n" : ".\n");
        u.append("ProtectSystem=strict\n");
        u.append("ReadWritePaths=/usr/share/ollama").append(modelsDir != null ? " " + modelsDir : "").append('\n');
        u.append("ProtectHome=yes\nPrivateTmp=yes\nPrivateMounts=yes\nUMask=0077\n");
        u.append("\n# Privileges: none to gain, none to keep.\n");
        u.append("NoNewPrivileges=yes\nCapabilityBoundingSet=\nAmbientCapabilities=\nRestrictSUIDSGID=yes\n");
        u.append("RemoveIPC=yes\nKeyringMode=private\nLockPersonality=yes\nRestrictRealtime=yes\nRestrictNamespaces=yes\n");
        u.append("\n# Kernel and host state stay out of reach.\n");
        u.append("ProtectKernelTunables=yes\nProtectKernelModules=yes\nProtectKernelLogs=yes\nProtectControlGroups=yes\n");
        u.append("ProtectClock=yes\nProtectHostname=yes\nProtectProc=invisible\n");
        u.append("# Ollama reads /proc/meminfo and /proc/cpuinfo to size models and threads: keep the whole /proc.\n");
        u.append("ProcSubset=all\n");
        if (gpu) {
            u.append("\n# Devices: only the GPU. PrivateDevices=yes would hide /dev/nvidia* and /dev/dri,\n");
            u.append("# and Ollama would silently fall back to the CPU; an allow-list instead.\n");
            u.append("PrivateDevices=no\nDevicePolicy=closed\n");
            u.append("# systemd resolves char-GROUP against /proc/devices when Ollama starts and skips a group\n");
            u.append("# that is not there, so every naming is listed. NVIDIA major 195 (/dev/nvidia0.., /dev/nvidiactl)\n");
            u.append("# is nvidia-frontend before driver 550, nvidia and nvidiactl from 550 on. `corral doctor`\n");
            u.append("# checks that the names resolve on this host.\n");
            u.append("DeviceAllow=char-nvidia-frontend rw\nDeviceAllow=char-nvidia rw\nDeviceAllow=char-nvidiactl rw\n");
            u.append("# CUDA unified memory (/dev/nvidia-uvm*) and MIG capabilities (/dev/nvidia-caps/*).\n");
            u.append("DeviceAllow=char-nvidia-uvm rw\nDeviceAllow=char-nvidia-caps rw\n");
            u.append("# AMD ROCm: the compute interface (/dev/kfd) and the render nodes (/dev/dri).\n");
            u.append("DeviceAllow=char-kfd rw\nDeviceAllow=char-drm rw\n");
            u.append("# CUDA compiles kernels at run time into writable+executable memory.\n");
            u.append("MemoryDenyWriteExecute=no\n");
            u.append("# PrivateUsers=yes is left off: it unmaps the render/video groups the GPU nodes need.\n");
            u.append("# ProtectKernelModules=yes above: the GPU modules must be loaded at boot, before Ollama starts\n");
            u.append("# (Ollama's installer lists nvidia and nvidia-uvm in /etc/modules-load.d/nvidia.conf).\n");
        } else {
            u.append("\n# Devices: none (CPU inference needs no device nodes).\n");
            u.append("PrivateDevices=yes\nDevicePolicy=closed\nMemoryDenyWriteExecute=yes\nPrivateUsers=yes\n");
        }
        u.append("\n# Network: IP and local sockets; netlink for Go's interface listing.\n");
        u.append("RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK\n");
        u.append("# Not IPAddressDeny=any: pulling a model downloads it from its registry.\n");
        u.append("\n# System calls: the service set, minus what a model server never needs.\n");
        u.append("SystemCallArchitectures=native\nSystemCallFilter=@system-service\n");
        u.append("SystemCallFilter=~@privileged @mount @swap @reboot @raw-io @module @obsolete @debug @cpu-emulation @clock\n");
        u.append("# @resources stays allowed: llama.cpp sets thread affinity and NUMA memory policy.\n");
        u.append("SystemCallErrorNumber=EPERM\n");
        u.append("\n# Resources: a runaway model cannot take the host down.\n");
        u.append("MemoryMax=").append(memoryMax).append("\nTasksMax=4096\nLimitNOFILE=65536\n");
        return u.toString();
    }
}
