package dev.corral.access;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 of keys under the server secret: what the store keeps instead of the key. */
public final class KeyHasher {
    private final SecretKeySpec secret;
    private final ThreadLocal<Mac> macs;

    public KeyHasher(byte[] serverSecret) {
        if (serverSecret.length < 32) {
            throw new IllegalArgumentException("server secret must be at least 32 bytes");
        }
        this.secret = new SecretKeySpec(serverSecret.clone(), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    public byte[] hash(CharSequence key) {
        Mac mac = macs.get();
        return mac.doFinal(key.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Constant-time comparison of two HMACs. */
    /**
     * An HMAC of a fixed text under the server secret: equal on two instances exactly when their secrets
     * are, and telling nothing about the secret itself. A shared store keeps the first one it sees.
     */
    public byte[] secretCheck() {
        return hash("corral:server-secret-check");
    }

    public static boolean matches(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(secret);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    }
}
