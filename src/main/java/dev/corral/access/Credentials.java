package dev.corral.access;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * Reads the one credential a request presents: an API key ({@code Authorization: Bearer <key>} from
 * ollama-python, ollama-js and the OpenAI SDKs, or {@code x-api-key: <key>} from Anthropic's), or the
 * {@code ollama} CLI's signature ({@code Authorization: <base64 key>:<base64 signature>}, no scheme).
 * Two headers of the same kind, or a credential that is not one token, make the request malformed;
 * two different kinds (a key and a signature) make it conflicting, never guessed at.
 */
public final class Credentials {
    private static final int MAX_LENGTH = 512;
    /** A signature header: about 70 characters of key, 88 of signature. */
    private static final int MAX_SIGNATURE_LENGTH = 1200;

    /** How a credential was presented; the access log and usage record name it. */
    public enum Kind {
        KEY("key"), SSH("ssh"), CERT("cert");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /** The presented credential and its kind, or why there is none. */
    public record Presented(Kind kind, String key, AuthFailure failure) {
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
        return OllamaSignature.looksLikeSignature(authorization.strip()) ? Kind.SSH : Kind.KEY;
    }
}
