package dev.corral.console;

import dev.corral.admin.AdminAccess;
import dev.corral.admin.AdminError;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Who is calling the admin API when the console may be the caller. A call with the session cookie
 * (and no Authorization) is the console's: the session must be live, the call from the console's
 * own origin, and it must carry the session's CSRF token in {@code X-Corral-CSRF}, whatever its
 * method. Any other call goes to the listener's own access (admin key, or the socket's uid),
 * unchanged, except that a browser's call on the admin socket (a tunnelled one) without a session is
 * refused: the socket trusts its caller, and a web page is not one.
 */
final class ConsoleAccess implements AdminAccess {
    private final AdminAccess delegate;
    private final ConsoleSessions sessions;
    private final boolean socket;
    private final boolean tls;

    ConsoleAccess(AdminAccess delegate, ConsoleSessions sessions, boolean socket, boolean tls) {
        this.delegate = delegate;
        this.sessions = sessions;
        this.socket = socket;
        this.tls = tls;
    }

    @Override
    public String actor(Channel channel, HttpRequest request) {
        HttpHeaders h = request.headers();
        String origin = h.get(HttpHeaderNames.ORIGIN);
        String site = h.get("Sec-Fetch-Site");
        String token = BrowserChecks.sessionToken(h.get(HttpHeaderNames.COOKIE));
        if (token != null && !h.contains(HttpHeaderNames.AUTHORIZATION)) {
            ConsoleSessions.Session s = sessions.find(token)
                    .orElseThrow(() -> new AdminError(401, "the console session has ended: sign in again at /console/"));
            if (!BrowserChecks.sameOrigin(origin, site, h.get(HttpHeaderNames.HOST), tls)) {
                throw new AdminError(403, "refused: a request from another site");
            }
            if (!s.csrfMatches(h.get(BrowserChecks.CSRF_HEADER))) {
                throw new AdminError(403, "refused: the " + BrowserChecks.CSRF_HEADER + " header is missing or wrong");
            }
            return s.actor();
        }
        if (socket && BrowserChecks.fromBrowser(origin, site)) {
            throw new AdminError(403, "refused: a browser's call on the admin socket needs a console session (open /console/)");
        }
        return delegate.actor(channel, request);
    }
}
