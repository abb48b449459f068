package dev.corral.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test certificates for a host: a throw-away CA and a leaf signed by it (EC P-256, ECDSA with
 * SHA-256), made in-process with BouncyCastle's certificate builder and written as PEM. The CA's
 * key lives only in memory, so nothing else can ever be signed with it; trust ca.pem on the
 * clients. Keys and signatures come from the JDK's own providers; BouncyCastle only assembles the
 * certificates, so it is not registered as a security provider.
 */
public final class SelfSigned {
    /** The files written. */
    public record Files3(Path cert, Path key, Path ca) {}

    /** Backdated a little, so a client whose clock is slightly behind accepts a certificate made just now. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private SelfSigned() {}

    public static Files3 write(String host, int days, Path out) throws IOException, GeneralSecurityException {
        Files.createDirectories(out);
        Instant now = Instant.now();
        KeyPair caKeys = ecKeyPair();
        KeyPair leafKeys = ecKeyPair();
        X509Certificate ca = ca(host, caKeys, now, days + 1);
        X509Certificate leaf = leaf(host, leafKeys.getPublic(), ca, caKeys, now, days);
        Path certOut = out.resolve("cert.pem");
        Path keyOut = out.resolve("key.pem");
        Path caOut = out.resolve("ca.pem");
        Files.writeString(certOut, pem("CERTIFICATE", leaf.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()));
        Files.writeString(caOut, pem("CERTIFICATE", ca.getEncoded()));
        Files.deleteIfExists(keyOut);
        Files.createFile(keyOut, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyOut, pem("PRIVATE KEY", leafKeys.getPrivate().getEncoded())); // PKCS#8
        return new Files3(certOut, keyOut, caOut);
    }

    private static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static X509Certificate ca(String host, KeyPair keys, Instant now, int days)
            throws IOException, GeneralSecurityException {
        X500Name name = cn("Corral test CA for " + host);
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder b = builder(name, name, keys.getPublic(), now, days)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        return sign(b, keys);
    }

    private static X509Certificate leaf(String host, PublicKey key, X509Certificate ca, KeyPair caKeys, Instant now, int days)
            throws IOException, GeneralSecurityException {
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder b = builder(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()), cn(host), key,
                now, days)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.subjectAlternativeName, false, subjectAltNames(host))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
        return sign(b, caKeys);
    }

    /** The host as a DNS name or an IP address; "localhost" also covers 127.0.0.1. */
    static GeneralNames subjectAltNames(String host) {
        List<GeneralName> names = new ArrayList<>();
        boolean ip = host.matches("[0-9.]+") || host.contains(":");
        names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host));
        if (host.equals("localhost")) {
            names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        }
        return new GeneralNames(names.toArray(new GeneralName[0]));
    }

    private static X500Name cn(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key, Instant now, int days) {
        // a positive 127-bit serial: unique enough that a renewed certificate never repeats one (RFC 5280 4.1.2.2)
        BigInteger serial = new BigInteger(127, RANDOM).setBit(0);
        return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(now.minus(BACKDATE)),
                Date.from(now.plus(Duration.ofDays(days))), subject, key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws GeneralSecurityException {
        try {
            X509CertificateHolder holder = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()));
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign the certificate: " + e.getMessage(), e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
