package dev.corral.access;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * Reads the one credential a request presents: an API key ({@code Authorization: Bearer <key>} from
 * ollama-python, ollama-js and the OpenAI SDKs, or {@code x-api-key: <key>} from Anthropic's), or the
 * {@code ollama} CLI's signature ({@code Authorization: <base64 key>:<base64 signature>}, no scheme),
 * a Basic user and password (RFC 7617, UTF-8; what Caddy's basic_auth took), or a JWT bearer token
 * from an identity provider (its shape: three base64url parts, the first a JSON header).
 * Two headers of the same kind, or a credential that is not one token, make the request malformed;
 * two different kinds (a key and a signature) make it conflicting, never guessed at.
 */
public final class Credentials {
    private static final int MAX_LENGTH = 512;
    /** A signature header: about 70 characters of key, 88 of signature. */
    private static final int MAX_SIGNATURE_LENGTH = 1200;
    /** A JWT with a few dozen claims and an RSA-4096 signature fits well. */
    private static final int MAX_JWT_LENGTH = 8192;

    /** How a credential was presented; the access log and usage record name it. */
    public enum Kind {
        KEY("key"), SSH("ssh"), BASIC("basic"), JWT("jwt"), CERT("cert");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /**
     * The presented credential and its kind, or why there is none.
     *
     * @param key      the key or signature header (one token of visible ASCII), or null
     * @param user     a Basic credential's user, else null
     * @param password a Basic credential's password, else null; never logged ({@link #toString} leaves it out)
     */
    public record Presented(Kind kind, String key, AuthFailure failure, String user, String password) {
        public Presented(Kind kind, String key, AuthFailure failure) {
            this(kind, key, failure, null, null);
        }

        @Override
        public String toString() {
            return "Presented[" + kind + (failure == null ? "" : ", " + failure) + (user == null ? "" : ", user " + user) + "]";
        }

        /** A presented API key. */
        static Presented of(String key) {
            return of(Kind.KEY, key);
        }

        static Presented of(Kind kind, String value) {
            return new Presented(kind, value, null);
        }

        static Presented fail(AuthFailure f) {
            return new Presented(null, null, f);
        }
    }

    private Credentials() {}

    public static Presented from(HttpHeaders headers) {
        List<String> auth = headers.getAll(HttpHeaderNames.AUTHORIZATION);
        List<String> xApiKey = headers.getAll("x-api-key");
        if (auth.size() + xApiKey.size() == 0) {
            return Presented.fail(AuthFailure.MISSING);
        }
        if (auth.size() + xApiKey.size() > 1) {
            java.util.Set<Kind> kinds = java.util.EnumSet.noneOf(Kind.class);
            for (String a : auth) {
                kinds.add(kindOf(a));
            }
            if (!xApiKey.isEmpty()) {
                kinds.add(Kind.KEY);
            }
            return Presented.fail(kinds.size() > 1 ? AuthFailure.CONFLICTING : AuthFailure.MALFORMED);
        }
        if (auth.size() == 1 && kindOf(auth.get(0)) == Kind.BASIC) {
            return basic(auth.get(0).strip());
        }
        if (auth.size() == 1 && kindOf(auth.get(0)) == Kind.SSH) {
            String a = auth.get(0).strip();
            return a.length() > MAX_SIGNATURE_LENGTH ? Presented.fail(AuthFailure.MALFORMED) : Presented.of(Kind.SSH, a);
        }
        String value;
        if (auth.size() == 1) {
            String a = auth.get(0);
            // RFC 9110 §11.1: the scheme is case-insensitive, one or more spaces before the token.
            if (a.length() < 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Presented.fail(AuthFailure.MALFORMED);
            }
            value = a.substring(7).strip();
            if (looksLikeJwt(value)) {
                return value.length() > MAX_JWT_LENGTH ? Presented.fail(AuthFailure.MALFORMED) : Presented.of(Kind.JWT, value);
            }
        } else {
            value = xApiKey.get(0).strip();
        }
        if (value.isEmpty() || value.length() > MAX_LENGTH) {
            return Presented.fail(AuthFailure.MALFORMED);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return Presented.fail(AuthFailure.MALFORMED);
            }
        }
        return Presented.of(Kind.KEY, value);
    }

    /** The kind an Authorization value claims by its shape (a malformed one counts as a key). */
    private static Kind kindOf(String authorization) {
        String a = authorization.strip();
        if (a.length() >= 6 && a.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Kind.BASIC;
        }
        return OllamaSignature.looksLikeSignature(a) ? Kind.SSH : Kind.KEY;
    }

    /** A JWS compact serialisation: a base64url JSON header ("eyJ"), then two more base64url parts. */
    static boolean looksLikeJwt(String token) {
        if (!token.startsWith("eyJ")) {
            return false;
        }
        int dots = 0;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c == '.') {
                dots++;
            } else if (!(Character.isLetterOrDigit(c) && c < 0x80) && c != '-' && c != '_') {
                return false;
            }
        }
        return dots == 2;
    }

    /** "Basic base64(user:password)": a user of at least one character, no ':' in it, and UTF-8 throughout. */
    private static Presented basic(String authorization) {
        String token = authorization.substring(6).strip();
        if (token.isEmpty() || token.length() > MAX_LENGTH * 2) {
            return Presented.fail(AuthFailure.MALFORMED);
        }
        String decoded;
        try {
            byte[] bytes = java.util.Base64.getDecoder().decode(token);
            decoded = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException e) {
            return Presented.fail(AuthFailure.MALFORMED);
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return Presented.fail(AuthFailure.MALFORMED);
        }
        for (int i = 0; i < decoded.length(); i++) {
            if (Character.isISOControl(decoded.charAt(i))) {
                return Presented.fail(AuthFailure.MALFORMED);
            }
        }
        return new Presented(Kind.BASIC, null, null, decoded.substring(0, colon), decoded.substring(colon + 1));
    }

}
