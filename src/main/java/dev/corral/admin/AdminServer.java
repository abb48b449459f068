package dev.corral.admin;

import dev.corral.config.Admin;
import dev.corral.config.ConfigException;
import dev.corral.tls.ReloadingTls;
import dev.corral.net.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listeners: a Unix domain socket, the CLI's way into a running server, and optionally
 * TCP (admin.listen, default 127.0.0.1:11444) where every call needs an admin key. Never the
 * public port. The socket file is made 0660 (owner and the service's group); who may connect is
 * decided by the file system, and each connection's uid (SO_PEERCRED) is the actor of its calls.
 * Its own single thread, so slow store work never touches the data plane's event loops.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final int MAX_BODY = 1 << 20;

    private final EventLoopGroup group;
    private final Channel channel;
    private final Channel tcp;
    private final Path socket;

    private AdminServer(EventLoopGroup group, Channel channel, Channel tcp, Path socket) {
        this.group = group;
        this.channel = channel;
        this.tcp = tcp;
        this.socket = socket;
    }

    /**
     * Binds the socket, and the TCP listener when admin.listen is set.
     *
     * @param tcpAccess who may call over TCP (admin keys)
     */
    public static AdminServer start(Admin cfg, AdminRoutes routes, AdminAccess tcpAccess) throws InterruptedException {
        return start(cfg, routes, tcpAccess, null);
    }

    /**
     * As {@link #start(Admin, AdminRoutes, AdminAccess)}, with {@code front} (the console, or null)
     * served in front of the admin API on both listeners.
     */
    public static AdminServer start(Admin cfg, AdminRoutes routes, AdminAccess tcpAccess, AdminFront front)
            throws InterruptedException {
        Path socket = cfg.socket();
        prepareSocket(socket);
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(1, "corral-admin");
        Channel unix = null;
        try {
            unix = bind(new ServerBootstrap().group(group).channel(transport.domainServerChannel())
                    .childHandler(init(routes, AdminAccess.SOCKET, null, front, true)), transport.domainAddress(socket), "admin.socket", socket);
            try {
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
            } catch (IOException | UnsupportedOperationException e) {
                log.warn("could not make the admin socket {} 0660: {}", socket, e.toString());
            }
            Channel tcp = null;
            if (cfg.listen() != null) {
                ReloadingTls tls = cfg.tls() == null ? null : new ReloadingTls(cfg.tls());
                tcp = bind(new ServerBootstrap().group(group).channel(transport.serverChannel())
                        .childHandler(init(routes, tcpAccess, tls, front, false)), cfg.listen().toSocketAddress(), "admin.listen", cfg.listen());
                java.net.InetSocketAddress bound = (java.net.InetSocketAddress) tcp.localAddress(); // port 0: the one it got
                log.info("admin API on {}://{} (admin keys only)", tls == null ? "http" : "https",
                        new dev.corral.config.HostPort(cfg.listen().host(), bound.getPort()));
            }
            return new AdminServer(group, unix, tcp, socket);
        } catch (InterruptedException | RuntimeException e) {
            if (unix != null) {
                unix.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static void prepareSocket(Path socket) {
        if (socket.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
            throw new ConfigException("admin.socket: " + socket + " is longer than the 107 bytes a Unix socket path may"
                    + " have; set admin.socket (CORRAL_ADMIN_SOCKET) to a shorter path");
        }
        if (Files.exists(socket)) {
            if (AdminClient.answers(socket)) {
                throw new ConfigException("admin.socket: another Corral already answers on " + socket
                        + "; stop it, or give this one its own state_dir");
            }
            try {
                Files.delete(socket); // left behind by a server that was killed
            } catch (IOException e) {
                throw new ConfigException("admin.socket: cannot remove the stale socket " + socket + ": " + e.getMessage());
            }
        }
    }

    private static ChannelInitializer<Channel> init(AdminRoutes routes, AdminAccess access, ReloadingTls tls, AdminFront front,
                                                    boolean socket) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tls != null) {
                    ch.pipeline().addLast(tls.current().newHandler(ch.alloc()));
                }
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY));
                AdminAccess a = front == null ? access : front.install(ch, access, socket, tls != null);
                ch.pipeline().addLast(new AdminHandler(routes, a));
            }
        };
    }

    private static Channel bind(ServerBootstrap b, java.net.SocketAddress at, String field, Object shown)
            throws InterruptedException {
        ChannelFuture bound = b.bind(at).await();
        if (!bound.isSuccess()) {
            throw new ConfigException(field + ": cannot listen on " + shown + ": " + bound.cause().getMessage()
                    + (field.equals("admin.listen") ? " (is another Corral using it? set admin.listen to another port, or off)" : ""));
        }
        return bound.channel();
    }

    /** The TCP listener's address, or null when it is off. */
    public java.net.InetSocketAddress tcpAddress() {
        return tcp == null ? null : (java.net.InetSocketAddress) tcp.localAddress();
    }

    public Path socket() {
        return socket;
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        if (tcp != null) {
            tcp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.debug("could not remove {}: {}", socket, e.toString());
        }
    }
}
