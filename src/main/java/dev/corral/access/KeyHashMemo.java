package dev.corral.access;

/**
 * The HMAC of the last API key presented on one client connection. A keep-alive client sends the
 * same key with every request, and HMAC-SHA256 of it was the largest single cost of a small request
 * (8 % of the CPU of {@code GET /api/version}, measured with JFR). Only the hash is remembered,
 * never a decision: every request still looks its key up, compares in constant time, and checks
 * revocation, expiry and rotation, so a revoked key stops at once on a kept-alive connection too.
 * One per connection, used on its event loop only; nothing is shared between connections.
 */
public final class KeyHashMemo {
    private String key;
    private byte[] hmac;

    /** The key's HMAC: remembered when the key is the one presented last on this connection. */
    byte[] hash(String presented, KeyHasher hasher) {
        if (presented.equals(key)) {
            return hmac;
        }
        byte[] h = hasher.hash(presented);
        key = presented;
        hmac = h;
        return h;
    }
}
