package dev.corral.config;

import java.nio.file.Path;

/**
 * The operator plane, never the public port: the Unix socket the CLI uses (file permissions decide
 * who may connect), and optionally the admin API over TCP, where every call needs an admin key.
 *
 * @param listen null when the TCP listener is off
 * @param tls    null unless admin.tls is set
 */
public record Admin(Path socket, HostPort listen, Settings.Tls tls) {

    static Admin from(RawConfig.AdminListener raw, Path stateDir, Check c) {
        Path socket = raw.socket == null || raw.socket.isBlank() ? stateDir.resolve("admin.sock")
                : Path.of(Settings.expandHome(raw.socket.trim()));
        HostPort listen = raw.listen == null || raw.listen.isBlank() || raw.listen.trim().equals("off") ? null
                : c.get("admin.listen", () -> HostPort.parse(raw.listen.trim()));
        Settings.Tls tls = TlsConfig.from(raw.tls, c, "admin.tls");
        if (listen != null && !listen.isLoopback() && tls == null) {
            throw new ConfigException(c.where("admin.listen") + ": " + listen + " is not a loopback address and admin.tls is"
                    + " not set, so admin keys would cross the network in clear text; set admin.tls.cert and admin.tls.key,"
                    + " or keep the admin listener on 127.0.0.1 (reach it through an SSH tunnel)");
        }
        return new Admin(socket, listen, tls);
    }
}
