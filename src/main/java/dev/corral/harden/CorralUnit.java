package dev.corral.harden;

/**
 * The hardened unit for Corral itself, and the one the Debian package installs (packaging/build-deb.sh
 * writes the package's unit by running `corral harden corral`, so the two cannot drift): the static
 * system user `corral`, a private state directory, the admin socket's directory open to group
 * `corral`, no capabilities, strict system protection. Scores 1.4 with systemd-analyze security
 * --offline=true (systemd 252). The JVM's JIT writes executable code, so MemoryDenyWriteExecute stays
 * off; PrivateUsers stays off so the admin socket sees its callers' real uids (see the comment in the unit).
 */
public final class CorralUnit {
    private CorralUnit() {}

    /** What `corral harden corral` starts by default: the Debian package's launcher. */
    public static final String PACKAGED_EXEC = "/usr/bin/corral";

    /**
     * @param exec       the command that starts Corral, e.g. "/usr/bin/corral" or "/usr/bin/java -jar /opt/corral/corral.jar"
     * @param configFile the YAML config Corral reads
     * @param memoryMax  e.g. "2G"
     */
    public static String render(String exec, String configFile, String memoryMax) {
        return """
                # corral.service, as `corral harden corral` prints it and the Debian package installs it
                # (/lib/systemd/system/corral.service; by hand: /etc/systemd/system/corral.service).
                # It runs as the system user `corral`, which the package creates; by hand:
                #   adduser --system --group --home /var/lib/corral --no-create-home --shell /usr/sbin/nologin corral
                # Apply: systemctl daemon-reload && systemctl enable --now corral
                [Unit]
                Description=Corral, the secure gateway in front of Ollama
                Documentation=man:corral(1)
                After=network-online.target ollama.service
                Wants=network-online.target

                [Service]
                Type=simple
                ExecStart=%s serve --config %s
                # SIGHUP reloads the configuration: systemctl reload corral
                ExecReload=/bin/kill -HUP $MAINPID
                Environment=CORRAL_STATE_DIR=/var/lib/corral
                Restart=on-failure
                RestartSec=2

                # Its own system user; keys, usage and the server secret in /var/lib/corral (0700: the
                # service's alone). The admin socket is /run/corral/admin.sock (admin.socket in the config):
                # the directory is 0750 and the socket 0660, so members of group corral run `corral keys`
                # against the running service, and nobody else can.
                User=corral
                Group=corral
                StateDirectory=corral
                StateDirectoryMode=0700
                RuntimeDirectory=corral
                RuntimeDirectoryMode=0750
                ConfigurationDirectory=corral
                # The JVM's class data sharing archive (/var/cache/corral): a faster start, rebuilt when stale.
                CacheDirectory=corral
                CacheDirectoryMode=0700
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
                # Not PrivateUsers=yes: in a user namespace every caller on the admin socket would show
                # as uid 65534 (nobody), and the audit log must name who made or revoked a key.
                PrivateUsers=no
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
