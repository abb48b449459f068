package dev.corral.shared;

import dev.corral.admission.Claim;
import dev.corral.admission.Limiters;
import java.time.Instant;

/** Claims for the shared limits' tests: one slot, or one budget reservation, taken and waited for. */
final class Claims {
    private Claims() {}

    /** A slot among {@code keyId}'s requests in flight under {@code limit}, or null when it has them all in flight. */
    static Claim slot(Limiters l, String keyId, int limit) {
        Claim c = l.take(new Claim(keyId, 0, 0, limit, 0, 0, 0, 0, Instant.now())).join();
        return c.refused() == null ? c : null;
    }

    /** {@code amount} tokens in {@code keyId}'s budgets, or the refused claim (its refusal says which budget). */
    static Claim reserve(Limiters l, String keyId, long daily, long monthly, long amount, Instant now) {
        return l.take(new Claim(keyId, 0, 0, 0, 0, amount, daily, monthly, now)).join();
    }
}
