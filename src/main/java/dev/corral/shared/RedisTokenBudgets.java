package dev.corral.shared;

import dev.corral.admission.LocalTokenBudgets;
import dev.corral.admission.TokenBudgets;
import dev.corral.store.Store;
import dev.corral.store.StoreException;
import io.lettuce.core.ScriptOutputType;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Daily and monthly budgets in Redis, shared by every instance: each reservation is added to the
 * period's held tokens and to this instance's held hash in one script (reserve.lua), and settled
 * with the real count in another (settle.lua), so parallel instances never spend more than the
 * budget and a killed instance's reservations stop counting when its lease expires. A period
 * starts from the tokens the store says were used in it (as {@link LocalTokenBudgets}), read once
 * by the first instance to need it (seed.lua). Called off the event loop (the store read blocks).
 * While Redis does not answer, reservations are this instance's share of each budget, in memory.
 */
final class RedisTokenBudgets implements TokenBudgets {
    /** A period's hash lives an hour past the period's end. */
    private static final long GRACE_MILLIS = 3_600_000L;

    private final RedisLink redis;
    private final InstanceLease lease;
    private final SharedState state;
    private final Store store;
    private final Executor giveBacks;
    private final LocalTokenBudgets local;
    /**
     * The lease each reservation in progress was made under ("" for one made locally during an outage,
     * which settles locally): a settle gives back only what that lease holds, never another's.
     */
    private final Map<Reservation, String> leases = Collections.synchronizedMap(new IdentityHashMap<>());

    RedisTokenBudgets(RedisLink redis, InstanceLease lease, SharedState state, Store store, Executor giveBacks) {
        this.redis = redis;
        this.lease = lease;
        this.state = state;
        this.store = store;
        this.giveBacks = giveBacks;
        this.local = new LocalTokenBudgets(store);
    }

    @Override
    public Reservation reserve(String keyId, long daily, long monthly, long amount, Instant now, Exceeded[] exceeded) {
        if (state.shared()) {
            try {
                return reserveShared(keyId, daily, monthly, amount, now, exceeded);
            } catch (StoreException e) {
                throw e; // the store failed, not Redis: the request fails closed, limits stay shared
            } catch (RuntimeException e) {
                state.failed(e);
            }
        }
        state.localOrRefuse();
        Reservation r = local.reserve(keyId, state.share(daily), state.share(monthly), amount, now, exceeded);
        if (r != null) {
            leases.put(r, "");
        }
        return r;
    }

    private Reservation reserveShared(String keyId, long daily, long monthly, long amount, Instant now, Exceeded[] exceeded) {
        long day = Math.floorDiv(now.getEpochSecond(), 86_400L);
        long month = Keys.monthIndex(day);
        String dayKey = Keys.day(keyId, day);
        String monthKey = Keys.month(keyId, month);
        String id = lease.id();
        for (int attempt = 0; attempt < 3; attempt++) {
            List<Long> r = redis.run("reserve", ScriptOutputType.MULTI, new String[] {InstanceLease.INSTANCES,
                    Keys.held(id), dayKey, monthKey}, id, String.valueOf(lease.leaseMillis()), String.valueOf(amount),
                    String.valueOf(daily), String.valueOf(monthly));
            long code = r.get(0);
            if (code == 0) {
                Reservation made = new Reservation(keyId, daily > 0 ? day : NONE, monthly > 0 ? month : NONE, amount);
                leases.put(made, id);
                return made;
            }
            if (code == -1) {
                seed(keyId, r.get(1) == 1, day);
                continue;
            }
            exceeded[0] = code == 1
                    ? new Exceeded("daily", daily, r.get(1), Instant.ofEpochMilli(Keys.dayEndMillis(day)))
                    : new Exceeded("monthly", monthly, r.get(1), Instant.ofEpochMilli(Keys.monthEndMillis(day)));
            return null;
        }
        throw new IllegalStateException("budget period of key " + keyId + " still not seeded after three attempts");
    }

    /** Starts a period in Redis with the store's count of tokens used in it (another instance may have just done so). */
    private void seed(String keyId, boolean isDay, long day) {
        Instant since = isDay ? Instant.ofEpochSecond(day * 86_400L)
                : LocalDate.ofEpochDay(day).withDayOfMonth(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        long used = store.tokensSince(keyId, since);
        String key = isDay ? Keys.day(keyId, day) : Keys.month(keyId, Keys.monthIndex(day));
        long expires = (isDay ? Keys.dayEndMillis(day) : Keys.monthEndMillis(day)) + GRACE_MILLIS;
        redis.run("seed", ScriptOutputType.INTEGER, new String[] {key}, String.valueOf(used), String.valueOf(expires));
    }

    @Override
    public void settle(Reservation r, long actual) {
        String id = leases.remove(r);
        if (id == null) {
            return; // settled already
        }
        if (id.isEmpty()) {
            local.settle(r, actual);
            return;
        }
        giveBacks.execute(() -> {
            if (!state.shared()) {
                return; // held under a lease that is replaced when Redis answers again; the store has the usage
            }
            try {
                redis.run("settle", ScriptOutputType.INTEGER, new String[] {Keys.held(id),
                        Keys.day(r.keyId(), r.day()), Keys.month(r.keyId(), r.month())}, String.valueOf(r.amount()),
                        String.valueOf(actual), r.day() != NONE ? "1" : "0", r.month() != NONE ? "1" : "0");
            } catch (RuntimeException e) {
                state.failed(e);
            }
        });
    }

    @Override
    public long usedToday(String keyId, Instant now) {
        if (state.shared()) {
            try {
                List<String> v = redis.commands().hmget(Keys.day(keyId, Math.floorDiv(now.getEpochSecond(), 86_400L)),
                        "used", "held").stream().map(kv -> kv.getValueOrElse("0")).toList();
                return Long.parseLong(v.get(0)) + Long.parseLong(v.get(1));
            } catch (RuntimeException e) {
                state.failed(e);
            }
        }
        return local.usedToday(keyId, now);
    }

    /** Redis expires past periods itself; the local ones (an outage's) are forgotten here. */
    @Override
    public void evictOld(Instant now) {
        local.evictOld(now);
    }
}
