package dev.corral.access;

import java.util.Locale;

/** Why authentication failed. Logged and counted; never shown to the client, who sees one 401 for all. */
public enum AuthFailure {
    MISSING,
    MALFORMED,
    UNKNOWN,
    REVOKED,
    EXPIRED,
    /** An admin key presented on the public listener, where it is no key at all. */
    ADMIN_KEY;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
