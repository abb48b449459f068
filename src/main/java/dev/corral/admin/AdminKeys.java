package dev.corral.admin;

import dev.corral.access.Authenticator;
import dev.corral.access.Credentials;
import dev.corral.admission.AuthFailureLimiter;
import dev.corral.store.Scope;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin access over TCP: every call carries a key with the admin scope ({@code Authorization:
 * Bearer}). Anything else gets one 401, whatever was wrong; failed attempts are counted per client
 * address like the public listener's, and an address over the limit gets 429.
 */
public final class AdminKeys implements AdminAccess {
    private static final Logger log = LoggerFactory.getLogger(AdminKeys.class);

    private final Authenticator authenticator;
    private final AuthFailureLimiter failures;

    public AdminKeys(Authenticator authenticator, AuthFailureLimiter failures) {
        this.authenticator = authenticator;
        this.failures = failures;
    }

    @Override
    public String actor(Channel channel, HttpRequest request) {
        Authenticator.Result r = authenticator.authenticate(Credentials.from(request.headers()));
        if (r.ok() && r.principal().scopes().contains(Scope.ADMIN)) {
            return "key:" + r.principal().keyId();
        }
        InetAddress peer = channel.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : InetAddress.getLoopbackAddress();
        log.debug("admin call refused from {}: {}", peer.getHostAddress(), r.ok() ? "not an admin key" : r.failure().code());
        if (failures.failed(peer)) {
            throw new AdminError(429, "too many failed authentication attempts from this address");
        }
        throw new AdminError(401, "unauthorized: an admin key is required (Authorization: Bearer <key>; corral keys create --scope admin)");
    }
}
