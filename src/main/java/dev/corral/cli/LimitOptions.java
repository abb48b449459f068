package dev.corral.cli;

import dev.corral.store.KeyLimits;
import picocli.CommandLine.Option;

/** Per-key limits, for create and update. Unset = the configured default; 0 = unlimited. */
final class LimitOptions {
    @Option(names = "--rpm", paramLabel = "N", description = "Requests per minute.")
    String rpm;

    @Option(names = "--tpm", paramLabel = "N", description = "Tokens (prompt + completion) per minute.")
    String tpm;

    @Option(names = "--daily-tokens", paramLabel = "N", description = "Tokens per UTC day, e.g. 1e6.")
    String daily;

    @Option(names = "--monthly-tokens", paramLabel = "N", description = "Tokens per UTC month.")
    String monthly;

    @Option(names = "--concurrency", paramLabel = "N", description = "Requests in flight at once.")
    String concurrency;

    @Option(names = "--weight", paramLabel = "N", description = "Share of a busy upstream (2 = twice a weight-1 key).")
    String weight;

    /** "default" clears an override (update only). */
    KeyLimits parse(boolean allowDefault) {
        return new KeyLimits(number("--rpm", rpm, allowDefault), number("--tpm", tpm, allowDefault),
                number("--daily-tokens", daily, allowDefault), number("--monthly-tokens", monthly, allowDefault),
                intNumber("--concurrency", concurrency, allowDefault), weight("--weight", weight, allowDefault));
    }

    boolean any() {
        return rpm != null || tpm != null || daily != null || monthly != null || concurrency != null || weight != null;
    }

    private static Long number(String flag, String v, boolean allowDefault) {
        if (v == null) {
            return null;
        }
        if (v.equals("default")) {
            if (!allowDefault) {
                throw new CorralCommand.UsageError(flag + " default: only with keys update (a new key uses the defaults)");
            }
            return -1L;
        }
        try {
            double d = Double.parseDouble(v.replace("_", ""));
            if (d < 0 || d != Math.floor(d) || d > 1e15) {
                throw new NumberFormatException();
            }
            return (long) d;
        } catch (NumberFormatException e) {
            throw new CorralCommand.UsageError(flag + " must be a whole number from 0 to 1e15 (0 = unlimited; 1e6 works)"
                    + (allowDefault ? ", or 'default'" : "") + ", got '" + v + "'");
        }
    }

    private static Integer intNumber(String flag, String v, boolean allowDefault) {
        Long n = number(flag, v, allowDefault);
        if (n != null && n > 100_000) {
            throw new CorralCommand.UsageError(flag + " is too large");
        }
        return n == null ? null : n.intValue();
    }

    private static Integer weight(String flag, String v, boolean allowDefault) {
        Integer w = intNumber(flag, v, allowDefault);
        if (w != null && w == 0) {
            throw new CorralCommand.UsageError(flag + " must be 1 or more");
        }
        return w;
    }
}
