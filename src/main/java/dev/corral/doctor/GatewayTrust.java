package dev.corral.doctor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Whom the gateway probe trusts over https, as curl decides it: the JDK's CAs by default; with
 * --cacert FILE only the CA certificates in that PEM file (curl --cacert); with --insecure nobody
 * is checked, neither the chain nor the host name (curl -k).
 */
public final class GatewayTrust {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]*?)-----END CERTIFICATE-----");

    private GatewayTrust() {}

    /** The TLS context for the probe. */
    static SSLContext context(boolean insecure, Path caCert) throws GeneralSecurityException, IOException {
        if (insecure) {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustingNobody()}, null);
            return ctx;
        }
        if (caCert == null) {
            return SSLContext.getDefault();
        }
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        int i = 0;
        for (X509Certificate c : caCertificates(caCert)) {
            anchors.setCertificateEntry("ca-" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(anchors);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /**
     * The certificates of a PEM file, in order.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it, in one sentence
     */
    public static List<X509Certificate> caCertificates(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1); // PEM is ASCII; never fail on stray bytes
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--cacert " + file + ": file not found; give the PEM file of the CA that"
                    + " signed the gateway's certificate (ca.pem from `corral tls self-signed`)");
        } catch (IOException e) {
            throw new IllegalArgumentException("--cacert " + file + ": cannot read it (" + e.getMessage() + ")");
        }
        List<X509Certificate> out = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                byte[] der;
                try {
                    der = Base64.getMimeDecoder().decode(m.group(1));
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
                } catch (IllegalArgumentException | CertificateException e) {
                    throw new IllegalArgumentException("--cacert " + file + ": certificate " + (out.size() + 1)
                            + " is not a valid X.509 certificate (" + e.getMessage() + ")");
                }
            }
        } catch (CertificateException e) {
            throw new IllegalStateException("no X.509 support in this JDK", e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--cacert " + file + ": no certificate in it; it must hold one or more"
                    + " PEM blocks starting with -----BEGIN CERTIFICATE-----");
        }
        return out;
    }

    /**
     * --insecure: accept any certificate for any name. An X509ExtendedTrustManager, because the JDK wraps a
     * plain X509TrustManager in one that still checks the host name whenever the connection asks for
     * endpoint identification, as java.net.http.HttpClient always does: that was "--insecure" failing on a
     * certificate issued for another name.
     */
    private static final class TrustingNobody extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            // not a server
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            // --insecure: the operator chose not to verify
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            // not a server
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            // --insecure: the operator chose not to verify
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // not a server
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // --insecure: the operator chose not to verify
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
