package dev.corral.admin;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Who is calling the admin API, decided per call: on the Unix socket the file system already let
 * the caller in, and its uid is the actor; over TCP every call needs an admin key.
 */
@FunctionalInterface
public interface AdminAccess {
    /** The actor for audit entries ("uid:1000", "key:ID"), or an {@link AdminError} (401, 429). */
    String actor(Channel channel, HttpRequest request);

    /** The socket's: the peer's uid (SO_PEERCRED). */
    AdminAccess SOCKET = (channel, request) -> PeerIdentity.of(channel);
}
