package dev.corral.logging;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Writes instants as log lines carry them, "2026-11-24T00:20:06.322314Z" (UTC, microseconds),
 * cheaply: the date and time up to the second are formatted once per second per thread and reused,
 * which took the access log's timestamp from the costliest part of its line to a few appends.
 */
public final class Timestamps {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final ThreadLocal<Cache> CACHE = ThreadLocal.withInitial(Cache::new);

    private static final class Cache {
        long second = Long.MIN_VALUE;
        String prefix;
        final StringBuilder out = new StringBuilder(32);
    }

    private Timestamps() {}

    /** {@code at} in UTC, to the microsecond, with a trailing Z. */
    public static String format(Instant at) {
        Cache c = CACHE.get();
        long s = at.getEpochSecond();
        if (s != c.second) {
            c.second = s;
            c.prefix = SECONDS.format(at);
        }
        StringBuilder b = c.out;
        b.setLength(0);
        b.append(c.prefix).append('.');
        int micros = at.getNano() / 1000;
        for (int div = 100_000; div > 0; div /= 10) {
            b.append((char) ('0' + micros / div % 10));
        }
        return b.append('Z').toString();
    }
}
