package dev.corral.pipeline;

import dev.corral.refusal.RefusalKind;
import dev.corral.refusal.Refusal;
import dev.corral.access.ClientCertificates;
import dev.corral.access.Authenticator;
import dev.corral.access.Credentials;
import dev.corral.access.AuthFailure;
import dev.corral.store.Scope;
import dev.corral.admission.AuthFailureLimiter;

/**
 * The caller's key becomes a principal, or the request gets 401. The client is told the
 * same thing whatever went wrong; the reason goes to the access log only. Failures are counted per
 * client address: after a burst, that address's failed attempts get 429 instead of 401. A valid
 * key is never refused for other clients' failures: every local app shares 127.0.0.1, and one
 * retrying a stale key must not lock out the rest (guessing a 256-bit secret is hopeless anyway).
 */
public final class Authenticate implements Step {
    static final String MESSAGE = "unauthorized: a valid API key is required (Authorization: Bearer <key>)";

    private final Authenticator authenticator;
    private final AuthFailureLimiter failures;
    private final java.util.function.Consumer<java.net.InetAddress> failed;
    private final ClientCertificates certificates;

    public Authenticate(Authenticator authenticator, AuthFailureLimiter failures, ClientCertificates certificates) {
        this(authenticator, failures, certificates, a -> { });
    }

    /** @param failed told of each failed attempt (the audit log's per-address summary); must not block */
    public Authenticate(Authenticator authenticator, AuthFailureLimiter failures, ClientCertificates certificates,
                        java.util.function.Consumer<java.net.InetAddress> failed) {
        this.authenticator = authenticator;
        this.failures = failures;
        this.failed = failed;
        this.certificates = certificates;
    }

    @Override
    public Decision apply(Exchange exchange) {
        Credentials.Presented presented = Credentials.from(exchange.request().headers());
        String certKey = presented.failure() == AuthFailure.MISSING
                ? certificates.keyFor(exchange.clientCertificate()) : null;
        Authenticator.Result result = certKey != null ? authenticator.byKeyId(certKey) : authenticator.authenticate(presented);
        if (result.ok() && !result.principal().scopes().contains(Scope.ADMIN)) {
            exchange.principal(result.principal());
            return Decision.CONTINUE;
        }
        if (result.ok()) {
            // An admin key is no key here: the same 401 as an unknown one, and counted as a failure.
            result = new Authenticator.Result(null, AuthFailure.ADMIN_KEY, result.keyId());
        }
        if (result.keyId() != null) {
            exchange.keyId(result.keyId());
        }
        failed.accept(exchange.clientAddress());
        if (failures.failed(exchange.clientAddress())) {
            return Decision.refuse(failures.refusal());
        }
        return Decision.refuse(Refusal.of(RefusalKind.UNAUTHORIZED, "auth_" + result.failure().code(), MESSAGE));
    }
}
