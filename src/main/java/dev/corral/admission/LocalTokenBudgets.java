package dev.corral.admission;

import dev.corral.store.Store;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * Budgets in this process: one small record per key holding its current UTC day and month. The
 * used amount of a period is read once from the usage records when the period starts, then kept in
 * memory with what is reserved.
 */
public final class LocalTokenBudgets implements TokenBudgets {

    /** One key's current periods. */
    private static final class KeyPeriods {
        long day = NONE; // epoch day
        long dayUsed;
        long dayReserved;
        long month = NONE; // year * 12 + month - 1
        long monthUsed;
        long monthReserved;
    }

    /** Tokens a key used from a time on, from the usage records ({@link Store#tokensSince}). */
    public interface UsageSince {
        long tokensSince(String keyId, Instant since);
    }

    private final UsageSince usage;
    private final Map<String, KeyPeriods> keys = new HashMap<>();

    public LocalTokenBudgets(Store store) {
        this(store::tokensSince);
    }

    public LocalTokenBudgets(UsageSince usage) {
        this.usage = usage;
    }

    @Override
    public synchronized Reservation reserve(String keyId, long daily, long monthly, long amount, Instant now, Exceeded[] exceeded) {
        long day = Math.floorDiv(now.getEpochSecond(), 86_400L);
        KeyPeriods k = current(keyId, day, daily > 0, monthly > 0);
        if (daily > 0 && k.dayUsed + k.dayReserved + amount > daily) {
            exceeded[0] = new Exceeded("daily", daily, k.dayUsed + k.dayReserved, Instant.ofEpochSecond((day + 1) * 86_400L));
            return null;
        }
        if (monthly > 0 && k.monthUsed + k.monthReserved + amount > monthly) {
            LocalDate first = LocalDate.ofEpochDay(day).withDayOfMonth(1).plusMonths(1);
            exceeded[0] = new Exceeded("monthly", monthly, k.monthUsed + k.monthReserved, first.atStartOfDay().toInstant(ZoneOffset.UTC));
            return null;
        }
        if (daily > 0) {
            k.dayReserved += amount;
        }
        if (monthly > 0) {
            k.monthReserved += amount;
        }
        return new Reservation(keyId, daily > 0 ? k.day : NONE, monthly > 0 ? k.month : NONE, amount);
    }

    @Override
    public synchronized void settle(Reservation r, long actual) {
        KeyPeriods k = keys.get(r.keyId());
        if (k == null) {
            return;
        }
        // A request that straddles midnight settles into the period it reserved in, if that is still current.
        if (r.day() != NONE && r.day() == k.day) {
            k.dayReserved -= r.amount();
            k.dayUsed += actual;
        }
        if (r.month() != NONE && r.month() == k.month) {
            k.monthReserved -= r.amount();
            k.monthUsed += actual;
        }
    }

    @Override
    public synchronized long usedToday(String keyId, Instant now) {
        KeyPeriods k = keys.get(keyId);
        long day = Math.floorDiv(now.getEpochSecond(), 86_400L);
        return k == null || k.day != day ? 0 : k.dayUsed + k.dayReserved;
    }

    @Override
    public synchronized void evictOld(Instant now) {
        long day = Math.floorDiv(now.getEpochSecond(), 86_400L);
        keys.values().removeIf(k -> k.day != day && k.dayReserved == 0 && k.monthReserved == 0
                && k.month != monthIndex(day));
    }

    /**
     * The key's record moved to the current day and month, reading a new period's usage from the
     * store. A period becomes current only once its usage was read: when the read fails (the store
     * is down), the exception goes to the caller and the next request reads again, instead of the
     * period counting from zero for the rest of the day.
     */
    private KeyPeriods current(String keyId, long day, boolean wantDay, boolean wantMonth) {
        KeyPeriods k = keys.computeIfAbsent(keyId, id -> new KeyPeriods());
        if (wantDay && k.day != day) {
            long used = usage.tokensSince(keyId, Instant.ofEpochSecond(day * 86_400L));
            k.day = day;
            k.dayUsed = used;
            k.dayReserved = 0;
        }
        long month = monthIndex(day);
        if (wantMonth && k.month != month) {
            LocalDate first = LocalDate.ofEpochDay(day).withDayOfMonth(1);
            long used = usage.tokensSince(keyId, first.atStartOfDay().toInstant(ZoneOffset.UTC));
            k.month = month;
            k.monthUsed = used;
            k.monthReserved = 0;
        }
        return k;
    }

    private static long monthIndex(long epochDay) {
        LocalDate d = LocalDate.ofEpochDay(epochDay);
        return d.getYear() * 12L + d.getMonthValue() - 1;
    }
}
