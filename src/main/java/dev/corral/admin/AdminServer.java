package dev.corral.admin;

import dev.corral.config.ConfigException;
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
 * The admin listener on a Unix domain socket: the CLI's way into a running server. Never the
 * public port. The socket file is made 0660 (owner and the service's group); who may connect is
 * decided by the file system, and each connection's uid (SO_PEERCRED) is the actor of its calls.
 * Its own single thread, so slow store work never touches the data plane's event loops.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final int MAX_BODY = 1 << 20;

    private final EventLoopGroup group;
    private final Channel channel;
    private final Path socket;

    private AdminServer(EventLoopGroup group, Channel channel, Path socket) {
        this.group = group;
        this.channel = channel;
        this.socket = socket;
    }

    public static AdminServer start(Path socket, AdminRoutes routes) throws InterruptedException {
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
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(1, "corral-admin");
        try {
            ServerBootstrap b = new ServerBootstrap().group(group).channel(transport.domainServerChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY),
                                    new AdminHandler(routes, PeerIdentity::of));
                        }
                    });
            ChannelFuture bound = b.bind(transport.domainAddress(socket)).await();
            if (!bound.isSuccess()) {
                throw new ConfigException("admin.socket: cannot listen on " + socket + ": " + bound.cause().getMessage());
            }
            try {
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
            } catch (IOException | UnsupportedOperationException e) {
                log.warn("could not make the admin socket {} 0660: {}", socket, e.toString());
            }
            return new AdminServer(group, bound.channel(), socket);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public Path socket() {
        return socket;
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.debug("could not remove {}: {}", socket, e.toString());
        }
    }
}
