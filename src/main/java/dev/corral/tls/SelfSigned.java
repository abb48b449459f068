package dev.corral.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates for a host: a throw-away CA and a leaf signed by it (EC P-256), made by the
 * JDK's own keytool and written as PEM. The CA's key is never written, so nothing else can be
 * signed with it; trust ca.pem on the clients.
 */
public final class SelfSigned {
    /** The files written. */
    public record Files3(Path cert, Path key, Path ca) {}

    private SelfSigned() {}

    public static Files3 write(String host, int days, Path out) throws IOException, InterruptedException, GeneralSecurityException {
        Files.createDirectories(out);
        Path work = Files.createTempDirectory("corral-tls-");
        try {
            Path ks = work.resolve("ks.p12");
            byte[] seed = new byte[18];
            new java.security.SecureRandom().nextBytes(seed);
            String pass = Base64.getUrlEncoder().withoutPadding().encodeToString(seed);
            String san = (host.matches("[0-9.]+") || host.contains(":") ? "ip:" : "dns:") + host
                    + (host.equals("localhost") ? ",ip:127.0.0.1" : "");
            keytool(work, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                    "CN=Corral test CA for " + host, "-ext", "bc:c", "-validity", String.valueOf(days + 1),
                    "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", pass, "-keypass", pass);
            keytool(work, "-genkeypair", "-alias", "leaf", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + host,
                    "-validity", String.valueOf(days), "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", pass,
                    "-keypass", pass);
            Path csr = work.resolve("leaf.csr");
            keytool(work, "-certreq", "-alias", "leaf", "-keystore", ks.toString(), "-storepass", pass, "-file", csr.toString());
            Path signed = work.resolve("leaf.pem");
            keytool(work, "-gencert", "-alias", "ca", "-keystore", ks.toString(), "-storepass", pass, "-infile", csr.toString(),
                    "-outfile", signed.toString(), "-rfc", "-validity", String.valueOf(days), "-ext", "SAN=" + san,
                    "-ext", "KU:c=digitalSignature", "-ext", "EKU=serverAuth,clientAuth");
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(ks)) {
                store.load(in, pass.toCharArray());
            }
            Certificate ca = store.getCertificate("ca");
            Key key = store.getKey("leaf", pass.toCharArray());
            String leaf = Files.readString(signed).trim();
            Path certOut = out.resolve("cert.pem");
            Path keyOut = out.resolve("key.pem");
            Path caOut = out.resolve("ca.pem");
            Files.writeString(certOut, leaf + "\n" + pem("CERTIFICATE", ca.getEncoded()));
            Files.writeString(caOut, pem("CERTIFICATE", ca.getEncoded()));
            Files.deleteIfExists(keyOut);
            Files.createFile(keyOut, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(keyOut, pem("PRIVATE KEY", ((PrivateKey) key).getEncoded())); // PKCS#8
            return new Files3(certOut, keyOut, caOut);
        } finally {
            try (var walk = Files.walk(work)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + out.trim());
        }
    }
}
