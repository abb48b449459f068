package dev.corral.pipeline;

import dev.corral.refusal.RefusalKind;
import dev.corral.refusal.Refusal;
import dev.corral.access.ClientCertificates;
import dev.corral.access.Authenticator;
import dev.corral.access.Credentials;
import dev.corral.access.AuthFailure;
import dev.corral.access.OllamaSignature;
import dev.corral.store.Scope;
import dev.corral.admission.AuthFailureLimiter;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The caller's credential (a key, the {@code ollama} CLI's signature, a Basic user, or a client certificate)
 * becomes a principal, or the request gets 401. The client is told the same thing whatever went
 * wrong, unless saying more reveals nothing about which keys exist and tells it how to fix the
 * request; the reason goes to the access log. Two different credentials get 400. Failures are
 * counted per client address: after a burst, that address's failed attempts get 429 instead of
 * 401. A valid credential is never refused for other clients' failures: every local app shares
 * 127.0.0.1, and one retrying a stale key must not lock out the rest (guessing a 256-bit secret is
 * hopeless anyway).
 */
public final class Authenticate implements Step {
    static final String MESSAGE = "unauthorized: a valid API key is required (Authorization: Bearer <key>)";
    /** RFC 9110 §11.6.1: a 401 names the schemes this server takes (the ollama CLI's signature has none). */
    static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"corral\"");
    static final Map<String, String> CHALLENGE_WITH_BASIC = Map.of("WWW-Authenticate",
            "Bearer realm=\"corral\", Basic realm=\"corral\", charset=\"UTF-8\"");

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
        if (certKey != null) {
            exchange.authMethod(Credentials.Kind.CERT.id());
            return decide(exchange, presented, authenticator.byKeyId(certKey));
        }
        exchange.authMethod(presented.kind() == null ? null : presented.kind().id());
        if (presented.kind() == Credentials.Kind.SSH) {
            return decide(exchange, presented, authenticator.signature(presented, new Authenticator.SignedRequest(
                    exchange.request().method().name(), exchange.match().path(), exchange.forwardQuery(),
                    exchange.secureChannel())));
        }
        if (presented.kind() == Credentials.Kind.BASIC || presented.kind() == Credentials.Kind.JWT) {
            CompletableFuture<Authenticator.Result> checked = presented.kind() == Credentials.Kind.BASIC
                    ? authenticator.basic(presented, exchange.secureChannel()) : authenticator.jwt(presented);
            if (checked.isDone() && !checked.isCompletedExceptionally()) {
                return decide(exchange, presented, checked.join());
            }
            // bcrypt and JWKS fetches run on their own threads; the decision is made back on the exchange's loop.
            return Decision.await(checked.handleAsync((r, e) -> e != null
                    ? Decision.refuse(Refusal.of(RefusalKind.INTERNAL, "auth_failed", "internal error in the gateway"))
                    : decide(exchange, presented, r), exchange.loop()));
        }
        return decide(exchange, presented, authenticator.authenticate(presented, exchange.keyMemo()));
    }

    private Decision decide(Exchange exchange, Credentials.Presented presented, Authenticator.Result result) {
        if (result.ok() && !result.principal().scopes().contains(Scope.ADMIN)) {
            exchange.principal(result.principal());
            if (Credentials.Kind.SSH.id().equals(exchange.authMethod())) {
                // The signature's ts is the gateway's business: Ollama gets the query the client was asked for.
                exchange.forwardQuery(OllamaSignature.withoutTs(exchange.forwardQuery()));
            }
            return Decision.CONTINUE;
        }
        if (result.ok()) {
            // An admin key is no key here: the same 401 as an unknown one, and counted as a failure.
            result = new Authenticator.Result(null, AuthFailure.ADMIN_KEY, result.keyId());
        }
        if (result.keyId() != null) {
            exchange.keyId(result.keyId());
        }
        if (result.failure() == AuthFailure.BUSY) {
            // Not a wrong password: nothing to count against the address.
            return Decision.refuse(new Refusal(RefusalKind.TOO_MANY_REQUESTS, result.detail(), "auth_busy", false)
                    .withHeaders(Map.of("Retry-After", "1")));
        }
        failed.accept(exchange.clientAddress());
        if (failures.failed(exchange.clientAddress())) {
            return Decision.refuse(failures.refusal());
        }
        if (result.failure() == AuthFailure.NO_POLICY) {
            return Decision.refuse(Refusal.of(RefusalKind.FORBIDDEN, "auth_no_policy", result.detail()));
        }
        if (result.failure() == AuthFailure.CONFLICTING) {
            return Decision.refuse(Refusal.of(RefusalKind.BAD_REQUEST, "auth_conflicting", "more than one credential:"
                    + " send one of an API key (Authorization: Bearer or x-api-key), an ollama signature or Basic, not two"));
        }
        String message = result.detail() != null ? result.detail() : MESSAGE;
        return Decision.refuse(Refusal.of(RefusalKind.UNAUTHORIZED, "auth_" + result.failure().code(), message)
                .withHeaders(authenticator.offersBasic() ? CHALLENGE_WITH_BASIC : CHALLENGE));
    }
}
