package dev.corral.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;

/**
 * Signs requests as the {@code ollama} CLI does with OLLAMA_AUTH=1, written from its documented format
 * (api/client.go, auth/auth.go): Ed25519 over {@code <METHOD>,<path>?ts=<unix seconds>}, sent as
 * {@code Authorization: <base64 SSH wire public key>:<base64 signature>}, with ts in the query.
 */
public final class OllamaSigner {
    private final PrivateKey key;
    private final String blob;

    private OllamaSigner(KeyPair pair) {
        this.key = pair.getPrivate();
        // The X.509 encoding of an Ed25519 key ends in its 32 raw bytes (RFC 8410).
        byte[] spki = pair.getPublic().getEncoded();
        byte[] raw = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        string(wire, "ssh-ed25519".getBytes(StandardCharsets.US_ASCII));
        string(wire, raw);
        this.blob = Base64.getEncoder().encodeToString(wire.toByteArray());
    }

    public static OllamaSigner generate() {
        try {
            return new OllamaSigner(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The line of ~/.ollama/id_ed25519.pub. */
    public String publicKeyLine(String comment) {
        return "ssh-ed25519 " + blob + " " + comment;
    }

    /** The Authorization value for a request to {@code path} signed at {@code ts}. */
    public String authorization(String method, String path, long ts) {
        return authorizationOver(method + "," + path + "?ts=" + ts);
    }

    /** The Authorization value over any challenge (to tamper with). */
    public String authorizationOver(String challenge) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(challenge.getBytes(StandardCharsets.UTF_8));
            return blob + ":" + Base64.getEncoder().encodeToString(s.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void string(ByteArrayOutputStream out, byte[] b) {
        out.write(b.length >>> 24);
        out.write(b.length >>> 16);
        out.write(b.length >>> 8);
        out.write(b.length);
        out.writeBytes(b);
    }
}
