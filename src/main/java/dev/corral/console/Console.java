package dev.corral.console;

import dev.corral.access.Authenticator;
import dev.corral.admin.AdminAccess;
import dev.corral.admin.AdminFront;
import dev.corral.admin.AdminRoutes;
import dev.corral.store.Scope;
import io.netty.channel.Channel;

/**
 * The console: a web page at /console/ on the admin listeners (never the public one) for keys,
 * usage, live traffic and the audit log. It is a client of the admin API: the page calls
 * /admin/v1/… with its session; this side only signs in and out, serves the page's files and
 * streams /admin/v1/live as server-sent events.
 */
public final class Console implements AdminFront {
    private final ConsoleSessions sessions;
    private final AdminRoutes routes;
    private final ConsoleAssets assets = ConsoleAssets.load();

    public Console(ConsoleSessions sessions, AdminRoutes routes) {
        this.sessions = sessions;
        this.routes = routes;
    }

    /** The console for a server whose admin keys {@code authenticator} checks: a session lasts while its key is a usable admin key. */
    public static Console of(java.time.Clock clock, Authenticator authenticator, AdminRoutes routes) {
        return new Console(new ConsoleSessions(clock, id -> {
            Authenticator.Result r = authenticator.byKeyId(id);
            return r.ok() && r.principal().scopes().contains(Scope.ADMIN);
        }), routes);
    }

    @Override
    public AdminAccess install(Channel channel, AdminAccess access, boolean socket, boolean tls) {
        channel.pipeline().addLast(new ConsoleHandler(assets, sessions, routes, access, socket, tls));
        return new ConsoleAccess(access, sessions, socket, tls);
    }
}
