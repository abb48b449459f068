package dev.corral.limit;

import dev.corral.store.Store;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * Budgets in this process: the used amount of a period is read once from the usage records, then
 * kept in memory with what is reserved.
 */
public final class LocalTokenBudgets implements TokenBudgets {

    private static final class Counter {
        long used;
        long reserved;
    }

    private final Store store;
    private final Map<String, Counter> counters = new HashMap<>();

    public LocalTokenBudgets(Store store) {
        this.store = store;
    }

    @Override
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

    @Override
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

    @Override
    public synchronized long usedToday(String keyId, Instant now) {
        Counter c = counters.get(keyId + "|d" + LocalDate.ofInstant(now, ZoneOffset.UTC));
        return c == null ? 0 : c.used + c.reserved;
    }

    @Override
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
