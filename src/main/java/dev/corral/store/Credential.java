package dev.corral.store;

import java.time.Instant;

/**
 * A way to sign in as a key other than its bearer secret: an SSH public key the `ollama` CLI signs
 * requests with, or a Basic user with a bcrypt hash. Public material or a one-way hash only, never
 * a secret that could be replayed.
 *
 * @param kind   {@link #SSH} or {@link #BASIC}
 * @param ident  what the request presents: the base64 of the SSH wire-format public key, or the user name
 * @param keyId  the key (principal) it signs in as
 * @param secret what the presented credential is checked against: for SSH the authorized_keys line
 *               (for display), for Basic the bcrypt hash
 */
public record Credential(String kind, String ident, String keyId, String secret, Instant createdAt) {
    public static final String SSH = "ssh";
    public static final String BASIC = "basic";
}
