package dev.corral.access;

import java.util.Locale;

/**
 * Why authentication failed. Logged and counted; the client sees one 401 for all of them, except where
 * saying more tells nothing about which keys exist and helps the caller fix the request (a conflicting
 * pair of credentials, a signature over plain HTTP, a key type that is never accepted, a clock off).
 */
public enum AuthFailure {
    MISSING,
    MALFORMED,
    UNKNOWN,
    REVOKED,
    EXPIRED,
    /** An admin key presented on the public listener, where it is no key at all. */
    ADMIN_KEY,
    /** Two different kinds of credential (a key and a signature): 400, not a guess at which one counts. */
    CONFLICTING,
    /** A signature sent over plain HTTP from an address that is not loopback: its body could have been swapped. */
    INSECURE,
    /** A signature by a key type Corral does not take (RSA, ECDSA): only ssh-ed25519. */
    UNSUPPORTED_KEY,
    /** A signature whose ts is missing or outside the clock window. */
    STALE,
    /** A signature that does not verify over the request's method, path and ts. */
    BAD_SIGNATURE,
    /** Every bcrypt thread is busy and the wait is full: 429, not counted as a failure. */
    BUSY,
    /** A JWT that is unsigned, of an unknown issuer, badly signed, expired, not yet valid or for another audience. */
    BAD_TOKEN,
    /** A valid JWT whose roles match no configured policy: 403. */
    NO_POLICY;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
