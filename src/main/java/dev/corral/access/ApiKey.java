package dev.corral.access;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The key format: {@code crl_<id>_<secret>}. The 12-character id is public (logs, lists, usage);
 * the 43-character secret is 256 random bits, shown once and stored only as an HMAC.
 */
public final class ApiKey {
    public static final String PREFIX = "crl_";
    static final int ID_LENGTH = 12;
    static final int SECRET_LENGTH = 43;
    public static final int LENGTH = PREFIX.length() + ID_LENGTH + 1 + SECRET_LENGTH;
    private static final char[] ID_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKey() {}

    /** A new key, e.g. {@code crl_k3x9m2p7q4wa_…}. */
    public static String generate() {
        StringBuilder id = new StringBuilder(ID_LENGTH);
        for (int i = 0; i < ID_LENGTH; i++) {
            id.append(ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)]);
        }
        return withSecret(id.toString());
    }

    /** A fresh secret for an existing key id (rotation): the id, and so its usage and limits, stay. */
    public static String withSecret(String id) {
        StringBuilder sb = new StringBuilder(LENGTH).append(PREFIX).append(id);
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        sb.append('_').append(Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
        return sb.toString();
    }

    /** The public id of a well-formed key, or null when {@code key} does not have the key format. */
    public static String idOf(CharSequence key) {
        if (key.length() != LENGTH || !PREFIX.contentEquals(key.subSequence(0, PREFIX.length()))) {
            return null;
        }
        int idEnd = PREFIX.length() + ID_LENGTH;
        for (int i = PREFIX.length(); i < idEnd; i++) {
            char c = key.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return null;
            }
        }
        if (key.charAt(idEnd) != '_') {
            return null;
        }
        for (int i = idEnd + 1; i < LENGTH; i++) {
            char c = key.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return null;
            }
        }
        return key.subSequence(PREFIX.length(), idEnd).toString();
    }

    /** True for strings shaped like a key id. */
    public static boolean isId(String id) {
        return id != null && id.matches("[a-z0-9]{" + ID_LENGTH + "}");
    }
}
