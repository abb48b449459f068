package dev.corral.admin;

import io.netty.channel.Channel;

/**
 * Something served on the admin listeners in front of the admin API (the console): given a new
 * connection, it adds its handlers to the pipeline (after the HTTP codec and aggregator, before the
 * admin API's handler) and returns who the admin API should take as the caller, usually the given
 * access wrapped with its own checks. The admin package knows nothing more of it.
 */
@FunctionalInterface
public interface AdminFront {
    /**
     * @param access how the listener authenticates admin calls (the socket's uid, or admin keys on TCP)
     * @param socket whether the connection came through the Unix socket
     * @param tls whether the connection is TLS
     */
    AdminAccess install(Channel channel, AdminAccess access, boolean socket, boolean tls);
}
