package dev.corral.admission;

/**
 * Per-key request and token rates on token buckets: one request per call against the key's rpm
 * (with its burst), and the token reservation against its tpm, settled later with the real count
 * (refunded, or forced into debt when the real count is higher).
 */
final class RateLimits {
    private final Buckets buckets;

    RateLimits(Buckets buckets) {
        this.buckets = buckets;
    }

    /** 0 when the request may go; else nanoseconds until the key's rpm lets it. */
    long takeRequest(String keyId, EffectiveLimits l) {
        return buckets.take("rpm:" + keyId, requestCapacity(l), l.rpm(), 1);
    }

    long requestCapacity(EffectiveLimits l) {
        return l.burst() > 0 ? l.burst() : l.rpm();
    }

    /** 0 when {@code tokens} were reserved; else nanoseconds until they could be. */
    long reserveTokens(String keyId, EffectiveLimits l, long tokens) {
        return buckets.take("tpm:" + keyId, l.tpm(), l.tpm(), tokens);
    }

    long tokensLeft(String keyId, EffectiveLimits l) {
        return buckets.available("tpm:" + keyId, l.tpm(), l.tpm());
    }

    /** Replaces a reservation by the real count. */
    void settleTokens(String keyId, EffectiveLimits l, long reserved, long actual) {
        if (actual < reserved) {
            buckets.refund("tpm:" + keyId, l.tpm(), l.tpm(), reserved - actual);
        } else {
            buckets.force("tpm:" + keyId, l.tpm(), l.tpm(), actual - reserved);
        }
    }

    void evictFull() {
        buckets.evictFull();
    }
}
