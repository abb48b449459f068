package dev.corral.limit;

import dev.corral.store.Store;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * Daily and monthly token budgets per key (UTC periods). A request reserves its estimate in both
 * before it is forwarded and settles the real count after, so parallel requests can never spend
 * more than the budget. The used amount of a period is read once from the usage records.
 */
public final class TokenBudgets {

    /** A reservation held in the periods current when it was made. */
    public record Reservation(String keyId, String day, String month, long amount) {}

    /** Why a reservation does not fit. */
    public record Exceeded(String budget, long limit, long used, Instant resetsAt) {}

    private static final class Counter {
        long used;
        long reserved;
    }

    private final Store store;
    private final Map<String, Counter> counters = new HashMap<>();

    public TokenBudgets(Store store) {
        this.store = store;
    }

    /** @return the reservation, or throws nothing and returns null with {@code exceeded[0]} set when it does not fit */
    public synchronized Reservation reserve(String keyId, long daily, long monthly, long amount, Instant now, Exceeded[] exceeded) {
        LocalDate d = LocalDate.ofInstant(now, ZoneOffset.UTC);
        String day = d.toString();
        String month = day.substring(0, 7);
        Counter dc = daily > 0 ? counter(keyId, "d" + day, d.atStartOfDay().toInstant(ZoneOffset.UTC)) : null;
        Counter mc = monthly > 0 ? counter(keyId, "m" + month, d.withDayOfMonth(1).atStartOfDay().toInstant(ZoneOffset.UTC)) : null;
        if (dc != null && dc.used + dc.reserved + amount > daily) {
            exceeded[0] = new Exceeded("daily", daily, dc.used + dc.reserved, d.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC));
            return null;
        }
        if (mc != null && mc.used + mc.reserved + amount > monthly) {
            exceeded[0] = new Exceeded("monthly", monthly, mc.used + mc.reserved,
                    d.withDayOfMonth(1).plusMonths(1).atStartOfDay().toInstant(ZoneOffset.UTC));
            return null;
        }
        if (dc != null) {
            dc.reserved += amount;
        }
        if (mc != null) {
            mc.reserved += amount;
        }
        return new Reservation(keyId, dc == null ? null : day, mc == null ? null : month, amount);
    }

    /** Replaces the reservation by what was really used. */
    public synchronized void settle(Reservation r, long actual) {
        if (r.day() != null) {
            Counter c = counters.get(r.keyId() + "|d" + r.day());
            c.reserved -= r.amount();
            c.used += actual;
        }
        if (r.month() != null) {
            Counter c = counters.get(r.keyId() + "|m" + r.month());
            c.reserved -= r.amount();
            c.used += actual;
        }
    }

    /** Tokens used plus reserved in the key's current day, for tests and reports. */
    public synchronized long usedToday(String keyId, Instant now) {
        Counter c = counters.get(keyId + "|d" + LocalDate.ofInstant(now, ZoneOffset.UTC));
        return c == null ? 0 : c.used + c.reserved;
    }

    /** Forgets past periods once nothing is reserved in them. */
    public synchronized void evictOld(Instant now) {
        LocalDate d = LocalDate.ofInstant(now, ZoneOffset.UTC);
        String day = "|d" + d;
        String month = "|m" + d.toString().substring(0, 7);
        counters.entrySet().removeIf(e -> e.getValue().reserved == 0 && !e.getKey().endsWith(day) && !e.getKey().endsWith(month));
    }

    private Counter counter(String keyId, String period, Instant start) {
        return counters.computeIfAbsent(keyId + "|" + period, k -> {
            Counter c = new Counter();
            c.used = store.tokensSince(keyId, start);
            return c;
        });
    }
}
