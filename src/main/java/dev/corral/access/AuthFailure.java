package dev.corral.access;

import java.util.Locale;

/** Why authentication failed. Logged and counted; never shown to the client, who sees one 401 for all. */
public enum AuthFailure {
    MISSING,
    MALFORMED,
    UNKNOWN,
    REVOKED,
    EXPIRED;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
