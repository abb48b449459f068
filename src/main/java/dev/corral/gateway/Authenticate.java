package dev.corral.gateway;

import dev.corral.auth.Authenticator;
import dev.corral.auth.Credentials;

/**
 * Stage 4: the caller's key becomes a principal, or the request gets 401. The client is told the
 * same thing whatever went wrong; the reason goes to the access log only.
 */
public final class Authenticate implements Stage {
    static final String MESSAGE = "unauthorized: a valid API key is required (Authorization: Bearer <key>)";

    private final Authenticator authenticator;

    public Authenticate(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    @Override
    public Refusal apply(Exchange exchange) {
        Authenticator.Result result = authenticator.authenticate(Credentials.from(exchange.request().headers()));
        if (result.ok()) {
            exchange.principal(result.principal());
            return null;
        }
        if (result.keyId() != null) {
            exchange.keyId(result.keyId());
        }
        return Refusal.of(RefusalKind.UNAUTHORIZED, "auth_" + result.failure().code(), MESSAGE);
    }
}
