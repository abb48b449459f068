package dev.corral.access;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;

/**
 * Maps verified TLS client certificates to keys (listen.tls.client_cert_keys): by subject DN
 * ("CN=build-bot,O=Example", RFC 2253 form) or by any subject alternative name (DNS, URI, IP,
 * e-mail). Only certificates the TLS layer verified against client_ca ever reach it.
 */
public final class ClientCertificates {
    private final Map<String, String> keys;

    public ClientCertificates(Map<String, String> keys) {
        this.keys = Map.copyOf(keys);
    }

    public static ClientCertificates none() {
        return new ClientCertificates(Map.of());
    }

    /** The key id a certificate maps to, or null. */
    public String keyFor(X509Certificate cert) {
        if (cert == null || keys.isEmpty()) {
            return null;
        }
        String subject = cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
        String id = keys.get(subject);
        if (id != null) {
            return id;
        }
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    if (san.size() >= 2 && san.get(1) instanceof String name && keys.containsKey(name)) {
                        return keys.get(name);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return null;
        }
        return null;
    }
}
