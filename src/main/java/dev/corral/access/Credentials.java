package dev.corral.access;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * Reads the presented API key from a request: {@code Authorization: Bearer <key>} (ollama-python,
 * ollama-js, OpenAI SDKs) or {@code x-api-key: <key>} (Anthropic SDKs). More than one credential
 * header, or a credential that is not one token, makes the request malformed rather than guessed at.
 */
public final class Credentials {
    private static final int MAX_LENGTH = 512;

    /** The presented key, or why there is none. */
    public record Presented(String key, AuthFailure failure) {
        static Presented of(String key) {
            return new Presented(key, null);
        }

        static Presented fail(AuthFailure f) {
            return new Presented(null, f);
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
            return Presented.fail(AuthFailure.MALFORMED);
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
        return Presented.of(value);
    }
}
