package dev.corral.shared;

import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The names of shared limits' keys in Redis, all under "corral:" (give each Corral deployment its own
 * database number). Budget periods expire an hour after they end; slots vanish when none is held.
 */
final class Keys {
    static final String PREFIX = "corral:";
    static final String HELD_PREFIX = PREFIX + "held:";

    private Keys() {}

    /** An instance's held hash. */
    static String held(String instanceId) {
        return HELD_PREFIX + instanceId;
    }

    /** A key's budget of one UTC day (epoch day). */
    static String day(String keyId, long epochDay) {
        return PREFIX + "budget:" + keyId + ":d:" + epochDay;
    }

    /** A key's budget of one UTC month (year * 12 + month - 1). */
    static String month(String keyId, long monthIndex) {
        return PREFIX + "budget:" + keyId + ":m:" + monthIndex;
    }

    /** A key's requests in flight across instances. */
    static String slots(String keyId) {
        return PREFIX + "slots:" + keyId;
    }

    /** A Bucket4j bucket; its limits are part of its name, as in LocalBuckets. */
    static String bucket(String name, long capacity, long perMinute) {
        return PREFIX + "bucket:" + name + ":" + capacity + ":" + perMinute;
    }

    /** The UTC day {@code t} falls in (days since 1970-01-01). */
    static long epochDay(java.time.Instant t) {
        return Math.floorDiv(t.getEpochSecond(), 86_400L);
    }

    static long monthIndex(long epochDay) {
        LocalDate d = LocalDate.ofEpochDay(epochDay);
        return d.getYear() * 12L + d.getMonthValue() - 1;
    }

    /** The first instant of the day after {@code epochDay}, in unix ms. */
    static long dayEndMillis(long epochDay) {
        return (epochDay + 1) * 86_400_000L;
    }

    /** The first instant of the month after the one holding {@code epochDay}, in unix ms. */
    static long monthEndMillis(long epochDay) {
        return LocalDate.ofEpochDay(epochDay).withDayOfMonth(1).plusMonths(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    /** A period's hash lives an hour past the period's end. */
    private static final long GRACE_MILLIS = 3_600_000L;

    /**
     * Starts a budget period in Redis with the store's count of tokens used in it (another instance
     * may have just done so: seed.lua keeps the first). Blocks on the store and on Redis.
     */
    static void seed(RedisLink redis, dev.corral.store.Store store, String keyId, boolean isDay, long day) {
        java.time.Instant since = isDay ? java.time.Instant.ofEpochSecond(day * 86_400L)
                : LocalDate.ofEpochDay(day).withDayOfMonth(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        long used = store.tokensSince(keyId, since);
        String key = isDay ? day(keyId, day) : month(keyId, monthIndex(day));
        long expires = (isDay ? dayEndMillis(day) : monthEndMillis(day)) + GRACE_MILLIS;
        redis.run("seed", io.lettuce.core.ScriptOutputType.INTEGER, new String[] {key}, String.valueOf(used), String.valueOf(expires));
    }
}
