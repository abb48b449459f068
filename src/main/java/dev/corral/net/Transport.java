package dev.corral.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native epoll transport when it loads (Linux x86_64), else NIO, said once in the log; for TCP
 * and for Unix domain sockets (the admin socket).
 */
public record Transport(String name, IoHandlerFactory ioHandlers, Class<? extends ServerChannel> serverChannel,
                        Class<? extends SocketChannel> socketChannel, Class<? extends ServerChannel> domainServerChannel) {
    private static final Logger log = LoggerFactory.getLogger(Transport.class);
    private static volatile Transport chosen;

    public static Transport best() {
        Transport t = chosen;
        if (t != null) {
            return t;
        }
        synchronized (Transport.class) {
            if (chosen == null) {
                if (!Boolean.getBoolean("corral.nio") && Epoll.isAvailable()) {
                    chosen = new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                            EpollSocketChannel.class, io.netty.channel.epoll.EpollServerDomainSocketChannel.class);
                } else {
                    Throwable why = Epoll.unavailabilityCause();
                    log.info("native epoll transport unavailable ({}); using NIO",
                            why == null ? "disabled by -Dcorral.nio=true" : why.getMessage());
                    chosen = new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class,
                            NioSocketChannel.class, io.netty.channel.socket.nio.NioServerDomainSocketChannel.class);
                }
            }
            return chosen;
        }
    }

    /** The address of a Unix domain socket at {@code path}, in the form this transport binds. */
    public java.net.SocketAddress domainAddress(java.nio.file.Path path) {
        return name.equals("epoll") ? new io.netty.channel.unix.DomainSocketAddress(path.toString())
                : java.net.UnixDomainSocketAddress.of(path);
    }

    public EventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), ioHandlers);
    }
}
