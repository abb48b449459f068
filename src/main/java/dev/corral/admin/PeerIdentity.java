package dev.corral.admin;

import io.netty.channel.Channel;

/** Who is at the other end of an admin socket connection: "uid:N" from SO_PEERCRED, when the transport can tell. */
final class PeerIdentity {
    private PeerIdentity() {}

    static String of(Channel ch) {
        if (ch instanceof io.netty.channel.epoll.EpollDomainSocketChannel e) {
            try {
                return "uid:" + e.peerCredentials().uid();
            } catch (java.io.IOException ex) {
                return "uid:unknown";
            }
        }
        try {
            Object p = ch.config().getOption(io.netty.channel.socket.nio.NioChannelOption.of(jdk.net.ExtendedSocketOptions.SO_PEERCRED));
            if (p instanceof jdk.net.UnixDomainPrincipal u) {
                return "user:" + u.user().getName();
            }
        } catch (RuntimeException e) {
            // not a socket that can tell
        }
        return "uid:unknown";
    }
}
