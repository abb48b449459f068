package dev.corral.shared;

import dev.corral.admission.Claim;
import dev.corral.admission.TokenBudgets;
import java.util.List;

/**
 * The keys and arguments of one call of take.lua or give.lua for a batch of claims, in the order
 * the scripts read them (see their opening comments).
 */
final class ClaimScripts {
    /**
     * A give-back: under the lease it was taken in, the slots given back (an ended claim's one, or a
     * stock's), the budget reservation given back, and the tokens of it that were used.
     */
    record Give(String lease, String keyId, int slots, TokenBudgets.Reservation budget, long actual) {}

    private ClaimScripts() {}

    /** {keys, args} of take.lua for {@code claims}, under the lease {@code id}. */
    static String[][] take(String id, long leaseMillis, List<Claim> claims) {
        String[] keys = new String[2 + 3 * claims.size()];
        String[] args = new String[2 + 5 * claims.size()];
        keys[0] = InstanceLease.INSTANCES;
        keys[1] = Keys.held(id);
        args[0] = id;
        args[1] = String.valueOf(leaseMillis);
        for (int i = 0; i < claims.size(); i++) {
            Claim c = claims.get(i);
            long day = Keys.epochDay(c.now());
            keys[2 + 3 * i] = Keys.slots(c.keyId());
            keys[3 + 3 * i] = Keys.day(c.keyId(), day);
            keys[4 + 3 * i] = Keys.month(c.keyId(), Keys.monthIndex(day));
            args[2 + 5 * i] = String.valueOf(c.concurrency());
            args[3 + 5 * i] = String.valueOf(c.budgetTokens());
            args[4 + 5 * i] = String.valueOf(c.daily());
            args[5 + 5 * i] = String.valueOf(c.monthly());
            args[6 + 5 * i] = String.valueOf(c.slotUnits());
        }
        return new String[][] {keys, args};
    }

    /** {keys, args} of give.lua for {@code gives}. */
    static String[][] give(List<Give> gives) {
        String[] keys = new String[4 * gives.size()];
        String[] args = new String[5 * gives.size()];
        for (int i = 0; i < gives.size(); i++) {
            Give g = gives.get(i);
            TokenBudgets.Reservation b = g.budget();
            boolean inDay = b != null && b.day() != TokenBudgets.NONE;
            boolean inMonth = b != null && b.month() != TokenBudgets.NONE;
            keys[4 * i] = Keys.held(g.lease());
            keys[4 * i + 1] = Keys.slots(g.keyId());
            keys[4 * i + 2] = Keys.day(g.keyId(), inDay ? b.day() : 0);
            keys[4 * i + 3] = Keys.month(g.keyId(), inMonth ? b.month() : 0);
            args[5 * i] = String.valueOf(g.slots());
            args[5 * i + 1] = String.valueOf(b == null ? 0 : b.amount());
            args[5 * i + 2] = String.valueOf(g.actual());
            args[5 * i + 3] = inDay ? "1" : "0";
            args[5 * i + 4] = inMonth ? "1" : "0";
        }
        return new String[][] {keys, args};
    }
}
