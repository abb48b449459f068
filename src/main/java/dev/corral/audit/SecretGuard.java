package dev.corral.audit;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Refuses audit content that could carry a secret or a request body, before anything is written:
 * the audit log is kept for years and read by people who must never see a key, a password or a
 * prompt. It is a guard against mistakes in Corral's own code, so a refusal is an
 * IllegalArgumentException naming the detail, and the tests of every caller trip over it.
 *
 * <p>Refused:
 * <ul>
 *   <li>detail names with a segment (split on '_') that names a secret: secret, password, passwd,
 *       passphrase, pwd, token (singular: "tokens" counts), apikey, bearer, authorization,
 *       credential(s), cookie(s), hmac, signature, private;</li>
 *   <li>detail names whose last segment is key, body, prompt, messages, content or payload: the
 *       thing itself ("key", "api_key", "body"), where "key_id" or "prompt_tokens" are about it;</li>
 *   <li>string values, anywhere in the entry, holding a Corral key ({@code crl_<id>_<secret>}),
 *       an Authorization value ({@code Bearer ...}, {@code Basic ...}), a PEM block or a JWT;</li>
 *   <li>strings longer than 512 characters, more than 64 list items, and details over 4 KiB:
 *       what an entry says is short, and a body does not fit.</li>
 * </ul>
 * The rules apply when an entry is recorded, never when a log is verified, so that tightening
 * them later cannot make an old log fail verification.
 */
final class SecretGuard {
    static final int MAX_STRING = 512;
    static final int MAX_ITEMS = 64;
    static final int MAX_DETAILS_BYTES = 4096;

    private static final Set<String> SECRET_WORDS = Set.of("secret", "secrets", "password", "passwords", "passwd",
            "passphrase", "pwd", "token", "apikey", "bearer", "authorization", "credential", "credentials", "cookie",
            "cookies", "hmac", "signature", "private");
    private static final Set<String> THING_ITSELF = Set.of("key", "body", "prompt", "messages", "content", "payload");
    private static final Pattern SECRET_VALUE = Pattern.compile(
            "crl_[a-z0-9]{12}_[A-Za-z0-9_-]{8,}"                       // a Corral key (ApiKey)
            + "|\\b(Bearer|Basic) [A-Za-z0-9._~+/-]{16,}"               // an Authorization header value
            + "|-----BEGIN [A-Z ]*-----"                                // a PEM block (private key, certificate)
            + "|eyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}");         // a JWT: base64url '{"' twice

    private SecretGuard() {}

    /** Checks a normalized details map (names, values, sizes) and a free-text field. */
    static void checkDetails(Map<String, Object> details, int canonicalBytes) {
        if (canonicalBytes > MAX_DETAILS_BYTES) {
            throw new IllegalArgumentException("audit details: " + canonicalBytes + " bytes, more than the "
                    + MAX_DETAILS_BYTES + " an entry may carry (audit entries summarise; they never hold bodies)");
        }
        walk(details, "details");
    }

    /** Checks a top-level text field (actor, target). */
    static void checkText(String field, String value) {
        if (value != null) {
            string(field, value);
        }
    }

    private static void walk(Object v, String path) {
        if (v instanceof String s) {
            string(path, s);
        } else if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String name = (String) e.getKey();
                name(path + "." + name, name);
                walk(e.getValue(), path + "." + name);
            }
        } else if (v instanceof List<?> l) {
            if (l.size() > MAX_ITEMS) {
                throw new IllegalArgumentException("audit " + path + ": " + l.size() + " items, more than " + MAX_ITEMS);
            }
            for (int i = 0; i < l.size(); i++) {
                walk(l.get(i), path + "[" + i + "]");
            }
        }
    }

    private static void name(String path, String name) {
        String[] segments = name.toLowerCase(Locale.ROOT).split("_");
        for (String s : segments) {
            if (SECRET_WORDS.contains(s)) {
                throw new IllegalArgumentException("audit " + path + ": a detail named '" + name
                        + "' looks like a secret; audit entries never carry secrets, keys, passwords or tokens");
            }
        }
        if (THING_ITSELF.contains(segments[segments.length - 1])) {
            throw new IllegalArgumentException("audit " + path + ": a detail named '" + name
                    + "' would hold a key or a body; record its id or a count instead (key_id, prompt_tokens)");
        }
    }

    private static void string(String path, String s) {
        if (s.length() > MAX_STRING) {
            throw new IllegalArgumentException("audit " + path + ": " + s.length() + " characters, more than "
                    + MAX_STRING + " (audit entries never hold bodies)");
        }
        if (SECRET_VALUE.matcher(s).find()) {
            throw new IllegalArgumentException("audit " + path
                    + ": the value looks like a key, a credential or a PEM block; audit entries never carry secrets");
        }
    }
}
