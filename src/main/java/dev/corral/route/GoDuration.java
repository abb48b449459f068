package dev.corral.route;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * keep_alive as Ollama reads it (api/types.go Duration.UnmarshalJSON): a number is seconds, a
 * string is Go's time.ParseDuration, and a negative value of either means "forever". Anything else
 * is an error for the whole request. The string grammar and its overflow checks are ported from
 * Go's time/format.go, so Corral and Ollama agree on every value.
 */
public final class GoDuration {
    /** Ollama's "forever": math.MaxInt64 nanoseconds. */
    public static final long FOREVER = Long.MAX_VALUE;

    private GoDuration() {}

    /**
     * The keep_alive a JSON value sets, in nanoseconds ({@link #FOREVER} for a negative one); a number
     * of seconds too large for int64 nanoseconds reads as FOREVER too (Go's conversion would be
     * platform-dependent, and every policy treats both alike: too long).
     */
    public static long keepAlive(JsonNode v) throws GoJson.Refused {
        if (v.isNumber()) {
            double seconds = v.doubleValue();
            if (seconds < 0) {
                return FOREVER;
            }
            double ns = seconds * 1e9;
            return ns >= 0x1p63 ? FOREVER : (long) ns;
        }
        if (v.isTextual()) {
            long d = parse(v.textValue());
            return d < 0 ? FOREVER : d;
        }
        throw new GoJson.Refused("keep_alive_type", "Unsupported type for keep_alive: give seconds or a duration such as \"5m\"");
    }

    /** Go's time.ParseDuration: "300ms", "-1.5h", "2h45m"; units ns, us, µs, μs, ms, s, m, h. */
    public static long parse(String text) throws GoJson.Refused {
        String s = text;
        boolean neg = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return 0;
        }
        if (s.isEmpty()) {
            throw invalid(text);
        }
        long d = 0; // unsigned, at most 1<<63
        while (!s.isEmpty()) {
            char c = s.charAt(0);
            if (!(c == '.' || ('0' <= c && c <= '9'))) {
                throw invalid(text);
            }
            // leadingInt
            int i = 0;
            long v = 0;
            for (; i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9'; i++) {
                if (Long.compareUnsigned(v, Long.divideUnsigned(1L << 63, 10)) > 0) {
                    throw invalid(text); // overflow
                }
                v = v * 10 + (s.charAt(i) - '0');
                if (Long.compareUnsigned(v, 1L << 63) > 0) {
                    throw invalid(text);
                }
            }
            boolean pre = i > 0;
            s = s.substring(i);
            long f = 0;
            double scale = 1;
            boolean post = false;
            if (!s.isEmpty() && s.charAt(0) == '.') {
                s = s.substring(1);
                int j = 0;
                boolean overflow = false;
                for (; j < s.length() && s.charAt(j) >= '0' && s.charAt(j) <= '9'; j++) {
                    if (overflow) {
                        continue;
                    }
                    if (Long.compareUnsigned(f, (Long.MAX_VALUE) / 10) > 0) {
                        overflow = true; // Go stops taking digits; the rest are ignored
                        continue;
                    }
                    long y = f * 10 + (s.charAt(j) - '0');
                    if (Long.compareUnsigned(y, 1L << 63) > 0) {
                        overflow = true;
                        continue;
                    }
                    f = y;
                    scale *= 10;
                }
                post = j > 0;
                s = s.substring(j);
            }
            if (!pre && !post) {
                throw invalid(text);
            }
            int u = 0;
            while (u < s.length() && s.charAt(u) != '.' && !(s.charAt(u) >= '0' && s.charAt(u) <= '9')) {
                u++;
            }
            if (u == 0) {
                throw invalid(text); // missing unit
            }
            long unit = unit(s.substring(0, u), text);
            s = s.substring(u);
            if (Long.compareUnsigned(v, Long.divideUnsigned(1L << 63, unit)) > 0) {
                throw invalid(text);
            }
            v *= unit;
            if (f > 0) {
                v += (long) ((double) f * ((double) unit / scale));
                if (Long.compareUnsigned(v, 1L << 63) > 0) {
                    throw invalid(text);
                }
            }
            d += v;
            if (Long.compareUnsigned(d, 1L << 63) > 0) {
                throw invalid(text);
            }
        }
        if (neg) {
            return -d; // 1<<63 negated is MinInt64, as in Go
        }
        if (Long.compareUnsigned(d, Long.MAX_VALUE) > 0) {
            throw invalid(text);
        }
        return d;
    }

    private static long unit(String u, String text) throws GoJson.Refused {
        return switch (u) {
            case "ns" -> 1L;
            case "us", "\u00b5s", "\u03bcs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw invalid(text);
        };
    }

    private static GoJson.Refused invalid(String text) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return new GoJson.Refused("keep_alive_invalid", "time: invalid duration \"" + shown + "\"");
    }
}
