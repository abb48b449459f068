package dev.corral.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the human units config files use: durations ("90s", "10m", "90d") and sizes ("16MiB"). */
public final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|kib|mb|mib|gb|gib|k|m|g)?");

    private Units() {}

    /**
     * "500ms", "30s", "10m", "2h", "90d". A bare number is refused: "5" could mean 5 seconds or 5
     * minutes, and guessing wrong turns a timeout into something 60 times longer or shorter.
     */
    public static Duration duration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 500ms, 30s, 10m, 2h, 90d)");
        }
        if (m.group(2) == null) {
            throw new IllegalArgumentException("'" + text + "' has no unit; write " + m.group(1) + "s for seconds (units: ms, s, m, h, d)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("unknown unit " + m.group(2));
        };
    }

    /** "16MiB", "512k", "1048576"; a bare number means bytes. K/M/G are binary (1024) units. */
    public static long size(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 65536, 512KiB, 16MiB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        long mult = switch (unit) {
            case "b" -> 1L;
            case "k", "kb", "kib" -> 1024L;
            case "m", "mb", "mib" -> 1024L * 1024;
            case "g", "gb", "gib" -> 1024L * 1024 * 1024;
            default -> throw new IllegalArgumentException("unknown unit " + unit);
        };
        return Math.multiplyExact(n, mult);
    }
}
