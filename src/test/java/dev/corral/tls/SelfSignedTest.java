package dev.corral.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `corral tls self-signed` writes: a CA and a leaf with the right names, key usages and files, and no CA key. */
class SelfSignedTest {
    @TempDir
    Path dir;

    static List<X509Certificate> certs(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in).stream().map(c -> (X509Certificate) c).toList();
        }
    }

    @Test
    void aCaAndALeafForTheHostWithOnlyTheLeafKeyWritten() throws Exception {
        SelfSigned.Files3 f = SelfSigned.write("gw.internal", 30, dir.resolve("out"));
        try (Stream<Path> files = Files.list(dir.resolve("out"))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("ca.pem", "cert.pem", "key.pem");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f.key()))).isEqualTo("rw-------");
        List<X509Certificate> chain = certs(f.cert());
        X509Certificate leaf = chain.get(0);
        X509Certificate ca = certs(f.ca()).get(0);
        assertThat(chain).hasSize(2);
        assertThat(chain.get(1)).isEqualTo(ca);

        // the CA: self-signed, a CA, may sign certificates
        ca.verify(ca.getPublicKey());
        assertThat(ca.getSubjectX500Principal().getName()).isEqualTo("CN=Corral test CA for gw.internal");
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(ca.getCriticalExtensionOIDs()).contains("2.5.29.19");
        assertThat(ca.getKeyUsage()[5]).as("keyCertSign").isTrue();

        // the leaf: signed by the CA, EC P-256, the host as its name and SAN, for servers and clients, not a CA
        leaf.verify(ca.getPublicKey());
        assertThat(leaf.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=gw.internal");
        assertThat(leaf.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(((ECPublicKey) leaf.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        assertThat(((ECPublicKey) leaf.getPublicKey()).getParams().toString()).contains("secp256r1");
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(2, "gw.internal"));
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        boolean[] ku = leaf.getKeyUsage();
        assertThat(ku[0]).as("digitalSignature").isTrue();
        for (int i = 1; i < ku.length; i++) {
            assertThat(ku[i]).as("key usage bit %d", i).isFalse();
        }
        assertThat(leaf.getCriticalExtensionOIDs()).contains("2.5.29.15");
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()).toDays()).isBetween(30L, 31L);
        assertThat(leaf.getNotBefore().toInstant()).isBefore(Instant.now());
        assertThat(ca.getNotAfter()).isAfterOrEqualTo(leaf.getNotAfter());

        // key.pem is the leaf's key, as PKCS#8
        String pem = Files.readString(f.key());
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n");
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
                Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""))));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(key);
        s.update(new byte[] {1, 2, 3});
        byte[] sig = s.sign();
        s.initVerify(leaf.getPublicKey());
        s.update(new byte[] {1, 2, 3});
        assertThat(s.verify(sig)).isTrue();
    }

    @Test
    void addressesBecomeIpNamesAndLocalhostAlsoCovers127001() throws Exception {
        assertThat(certs(SelfSigned.write("localhost", 1, dir.resolve("l")).cert()).get(0).getSubjectAlternativeNames())
                .containsExactly(List.of(2, "localhost"), List.of(7, "127.0.0.1"));
        assertThat(certs(SelfSigned.write("10.1.2.3", 1, dir.resolve("v4")).cert()).get(0).getSubjectAlternativeNames())
                .containsExactly(List.of(7, "10.1.2.3"));
        assertThat(certs(SelfSigned.write("::1", 1, dir.resolve("v6")).cert()).get(0).getSubjectAlternativeNames())
                .containsExactly(List.of(7, "0:0:0:0:0:0:0:1"));
    }

    @Test
    void twoRunsNeverShareASerialOrAKey() throws Exception {
        X509Certificate a = certs(SelfSigned.write("h", 1, dir.resolve("a")).cert()).get(0);
        X509Certificate b = certs(SelfSigned.write("h", 1, dir.resolve("b")).cert()).get(0);
        assertThat(a.getSerialNumber()).isNotEqualTo(b.getSerialNumber());
        assertThat(a.getSerialNumber().signum()).isPositive();
        assertThat(a.getPublicKey()).isNotEqualTo(b.getPublicKey());
    }

    @Test
    void aRuntimeWithoutKeytoolCanStillMakeThem() throws Exception {
        // a jlink'ed runtime has no bin/keytool; certificates are made in-process, so they do not need it
        String home = System.getProperty("java.home");
        Path bare = Files.createDirectories(dir.resolve("runtime-without-keytool/bin"));
        System.setProperty("java.home", bare.getParent().toString());
        try {
            SelfSigned.write("localhost", 1, dir.resolve("j"));
        } finally {
            System.setProperty("java.home", home);
        }
        assertThat(certs(dir.resolve("j/cert.pem"))).hasSize(2);
    }
}
