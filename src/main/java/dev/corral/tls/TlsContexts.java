package dev.corral.tls;

import dev.corral.config.ConfigException;
import dev.corral.config.Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.List;

/**
 * Builds the listener's TLS context: TLS 1.2 and 1.3 only, forward-secret AEAD suites only (no
 * CBC, no RSA key exchange), ALPN http/1.1, optional client certificates. BoringSSL through
 * netty-tcnative when it loads, the JDK's TLS otherwise.
 */
public final class TlsContexts {
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsContexts() {}

    public static SslProvider provider() {
        return !Boolean.getBoolean("corral.jdkTls") && OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** @throws ConfigException naming the field when a file cannot be used */
    public static SslContext build(Settings.Tls tls) {
        SslContextBuilder b;
        try {
            b = SslContextBuilder.forServer(tls.cert().toFile(), tls.key().toFile());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new ConfigException("listen.tls.cert/key: " + tls.cert() + " and " + tls.key() + " cannot be used: "
                    + message(e) + " (the key must be PKCS#8 PEM: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key8.pem)", e);
        }
        b.sslProvider(provider())
                .protocols(PROTOCOLS)
                .ciphers(CIPHERS)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_1_1));
        if (tls.clientCa() != null) {
            b.trustManager(tls.clientCa().toFile());
            b.clientAuth(switch (tls.clientAuth()) {
                case "required" -> ClientAuth.REQUIRE;
                case "optional" -> ClientAuth.OPTIONAL;
                default -> ClientAuth.NONE;
            });
        }
        try {
            return b.build();
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            throw new ConfigException("listen.tls: cannot build a TLS context from " + tls.cert() + " and " + tls.key()
                    + (tls.clientCa() == null ? "" : " (client_ca " + tls.clientCa() + ")") + ": " + message(e)
                    + " (certificate and key must match; the key must be PKCS#8 PEM)", e);
        }
    }

    private static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
