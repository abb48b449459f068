package dev.corral.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection after its last answer without losing that answer. Closing a socket while
 * the client is still sending (the body of a request refused before it was read) makes the kernel
 * answer with a reset, and a reset can make the client drop the answer it had not read yet: it
 * sees "connection reset" instead of the 401, 404 or 413. So, as RFC 9112 section 9.6 asks, the
 * answer is followed by the end of this side only (TLS close_notify, then a TCP half-close); what
 * the client still sends is read and discarded (the connection is closing) until it closes its
 * side, or for at most {@link #LINGER_MILLIS}.
 */
final class LingeringClose {
    /** How long a client may keep sending after the last answer before the connection is closed anyway. */
    static final long LINGER_MILLIS = 2_000;

    private LingeringClose() {}

    /**
     * Once {@code written} (the last answer) is on the wire: ends this side, then closes after the
     * client or the linger. A TLS session ends with close_notify first; a connection that never
     * completed a handshake (plain HTTP answered on the TLS port) has no session to end.
     */
    static void after(ChannelFuture written) {
        Channel ch = written.channel();
        if (!written.isSuccess() || !ch.isActive() || !(ch instanceof DuplexChannel duplex)) {
            ch.close();
            return;
        }
        ch.eventLoop().schedule(() -> ch.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        ch.config().setAutoRead(true); // what the client still sends is read and dropped
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        if (tls == null || !tls.handshakeFuture().isSuccess()) {
            duplex.shutdownOutput();
            return;
        }
        tls.closeOutbound().addListener(f -> {
            if (f.isSuccess() && ch.isActive()) {
                duplex.shutdownOutput();
            } else {
                ch.close();
            }
        });
    }
}
