package dev.corral.gateway;

import dev.corral.auth.Authenticator;
import dev.corral.auth.Credentials;
import dev.corral.limit.Admission;

/**
 * Stage 4: the caller's key becomes a principal, or the request gets 401. The client is told the
 * same thing whatever went wrong; the reason goes to the access log only. Failures are counted per
 * client address: after a burst, that address is slowed to a few attempts a minute (429).
 */
public final class Authenticate implements Stage {
    static final String MESSAGE = "unauthorized: a valid API key is required (Authorization: Bearer <key>)";

    private final Authenticator authenticator;
    private final Admission admission;
    private final ClientCertificates certificates;

    public Authenticate(Authenticator authenticator, Admission admission, ClientCertificates certificates) {
        this.authenticator = authenticator;
        this.admission = admission;
        this.certificates = certificates;
    }

    @Override
    public Refusal apply(Exchange exchange) {
        // An address that keeps presenting bad keys is refused before any key is looked at.
        if (admission.addressBlocked(exchange.clientAddress())) {
            return admission.addressRefusal();
        }
        Credentials.Presented presented = Credentials.from(exchange.request().headers());
        String certKey = presented.failure() == dev.corral.auth.AuthFailure.MISSING
                ? certificates.keyFor(exchange.clientCertificate()) : null;
        Authenticator.Result result = certKey != null ? authenticator.byKeyId(certKey) : authenticator.authenticate(presented);
        if (result.ok()) {
            exchange.principal(result.principal());
            return null;
        }
        if (result.keyId() != null) {
            exchange.keyId(result.keyId());
        }
        if (admission.failedAuth(exchange.clientAddress())) {
            return admission.addressRefusal();
        }
        return Refusal.of(RefusalKind.UNAUTHORIZED, "auth_" + result.failure().code(), MESSAGE);
    }
}
