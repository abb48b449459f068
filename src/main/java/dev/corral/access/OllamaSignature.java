package dev.corral.access;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Base64;

/**
 * The {@code ollama} CLI's request signature (OLLAMA_AUTH=1), as its api/client.go and auth/auth.go
 * make it: the client signs {@code <METHOD>,<path>?ts=<unix seconds>} with {@code ~/.ollama/id_ed25519},
 * where path is the API path it was asked for ("/api/chat", without an OLLAMA_HOST path prefix), adds
 * the same {@code ts} to the query, and sends {@code Authorization: <base64 SSH public key>:<base64
 * signature>} with no scheme. The body is not signed. Parsing and checking are pure; the verdict is
 * the caller's.
 */
public final class OllamaSignature {
    /** A header that reads as a signature: the key and the signature bytes. */
    public record Parsed(SshPublicKey key, byte[] signature) {}

    private OllamaSignature() {}

    /** True when an Authorization value has the signature's shape: no scheme, one ':' between two base64 runs. */
    public static boolean looksLikeSignature(String authorization) {
        int colon = authorization.indexOf(':');
        if (colon <= 0 || authorization.indexOf(':', colon + 1) >= 0) {
            return false;
        }
        for (int i = 0; i < authorization.length(); i++) {
            char c = authorization.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** Reads the header; the exception's message says what is wrong with it (a key type, base64). */
    public static Parsed parse(String authorization) {
        int colon = authorization.indexOf(':');
        if (colon <= 0 || authorization.indexOf(':', colon + 1) >= 0) {
            throw new IllegalArgumentException("a signature is '<base64 public key>:<base64 signature>'");
        }
        SshPublicKey key = SshPublicKey.fromBlob(authorization.substring(0, colon));
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(authorization.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the signature is not base64");
        }
        if (sig.length != 64) {
            throw new IllegalArgumentException("an Ed25519 signature is 64 bytes");
        }
        return new Parsed(key, sig);
    }

    /** What the client signed: api/client.go's {@code fmt.Sprintf("%s,%s?ts=%s", method, path, now)}. */
    public static String challenge(String method, String path, String ts) {
        return method + "," + path + "?ts=" + ts;
    }

    /** The JDK's Ed25519 verification of {@code signature} over {@code challenge}. */
    public static boolean verify(Parsed p, String challenge) {
        try {
            Signature v = Signature.getInstance("Ed25519");
            v.initVerify(p.key().key());
            v.update(challenge.getBytes(StandardCharsets.UTF_8));
            return v.verify(p.signature());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * The one {@code ts} of a raw query string, as the client set it (decimal seconds), or null when
     * there is none, more than one, or it is not a plain decimal number.
     */
    public static String ts(String rawQuery) {
        if (rawQuery == null) {
            return null;
        }
        String found = null;
        for (String pair : rawQuery.split("&", -1)) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (name.equals("ts")) {
                if (found != null) {
                    return null;
                }
                found = eq < 0 ? "" : pair.substring(eq + 1);
            }
        }
        return found != null && found.matches("[0-9]{1,12}") ? found : null;
    }

    /** The raw query without its {@code ts} parameter, or null when nothing is left. */
    public static String withoutTs(String rawQuery) {
        if (rawQuery == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (String pair : rawQuery.split("&", -1)) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (name.equals("ts") || pair.isEmpty()) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(pair);
        }
        return sb.length() == 0 ? null : sb.toString();
    }
}
