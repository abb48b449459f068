package dev.corral.access;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * An OpenSSH Ed25519 public key, read from an authorized_keys line ({@code ssh-ed25519 AAAA... alice@host})
 * or from the base64 wire form the {@code ollama} CLI puts in its Authorization header, and made a
 * JDK key. Only Ed25519: it is what {@code ~/.ollama/id_ed25519} holds, and accepting RSA or ECDSA
 * here would widen what must be verified for no client that sends it.
 *
 * @param blob    the base64 of the SSH wire format (RFC 8709 §4), as the client sends it: the key's identity
 * @param key     the same key for {@code Signature.getInstance("Ed25519")}
 * @param comment the authorized_keys line's comment, or ""
 */
public record SshPublicKey(String blob, PublicKey key, String comment) {
    public static final String TYPE = "ssh-ed25519";
    /** RFC 8410's SubjectPublicKeyInfo for Ed25519, up to the 32 key bytes: how the JDK is handed a raw key. */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final int MAX_BLOB = 1024;

    /** Parses one authorized_keys line: options are not supported, a comment is kept. */
    public static SshPublicKey parseLine(String line) {
        String[] parts = line.strip().split("\\s+", 3);
        if (parts.length < 2 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("not an OpenSSH public key line (expected 'ssh-ed25519 AAAA... comment',"
                    + " as in ~/.ollama/id_ed25519.pub)");
        }
        if (!parts[0].equals(TYPE)) {
            throw new IllegalArgumentException("a " + printable(parts[0]) + " key; only ssh-ed25519 keys sign requests"
                    + " (the ollama CLI's ~/.ollama/id_ed25519.pub)");
        }
        SshPublicKey k = fromBlob(parts[1]);
        return new SshPublicKey(k.blob(), k.key(), parts.length > 2 ? parts[2].strip() : "");
    }

    /** Reads the base64 wire form; the message names the key type when it is not Ed25519. */
    public static SshPublicKey fromBlob(String base64) {
        if (base64.isEmpty() || base64.length() > MAX_BLOB) {
            throw new IllegalArgumentException("the public key is empty or too long");
        }
        byte[] wire;
        try {
            wire = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the public key is not base64");
        }
        ByteBuffer in = ByteBuffer.wrap(wire);
        String type = new String(string(in), StandardCharsets.US_ASCII);
        if (!type.equals(TYPE)) {
            throw new IllegalArgumentException("a " + printable(type) + " key; only ssh-ed25519 keys sign requests"
                    + " (the ollama CLI's ~/.ollama/id_ed25519)");
        }
        byte[] raw = string(in);
        if (raw.length != 32 || in.hasRemaining()) {
            throw new IllegalArgumentException("not a well-formed ssh-ed25519 public key");
        }
        byte[] spki = new byte[SPKI_PREFIX.length + 32];
        System.arraycopy(SPKI_PREFIX, 0, spki, 0, SPKI_PREFIX.length);
        System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, 32);
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            return new SshPublicKey(Base64.getEncoder().encodeToString(wire), key, "");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a valid Ed25519 public key");
        }
    }

    /** The line as an authorized_keys file holds it. */
    public String line() {
        return TYPE + " " + blob + (comment.isEmpty() ? "" : " " + comment);
    }

    /** OpenSSH's fingerprint: "SHA256:" and the unpadded base64 of the wire form's SHA-256. */
    public String fingerprint() {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(blob));
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An RFC 4251 string: a big-endian uint32 length, then that many bytes. */
    private static byte[] string(ByteBuffer in) {
        if (in.remaining() < 4) {
            throw new IllegalArgumentException("not a well-formed SSH public key");
        }
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("not a well-formed SSH public key");
        }
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private static String printable(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) : s;
        return t.matches("[\\x21-\\x7e]+") ? t : "non-SSH";
    }
}
