package dev.corral.store;

/**
 * A key's own limits; a null field means "the configured default". Zero means unlimited.
 *
 * @param rpm           requests per minute
 * @param tpm           tokens (prompt + completion) per minute
 * @param dailyTokens   tokens per UTC day
 * @param monthlyTokens tokens per UTC month
 * @param concurrency   requests in flight at once
 * @param weight        share of the upstream when requests queue (2 = twice a weight-1 key)
 */
public record KeyLimits(Long rpm, Long tpm, Long dailyTokens, Long monthlyTokens, Integer concurrency, Integer weight) {
    public static final KeyLimits DEFAULTS = new KeyLimits(null, null, null, null, null, null);

    /** These overrides, with {@code other}'s fields where this one has none. */
    public KeyLimits orElse(KeyLimits other) {
        return new KeyLimits(rpm != null ? rpm : other.rpm, tpm != null ? tpm : other.tpm,
                dailyTokens != null ? dailyTokens : other.dailyTokens, monthlyTokens != null ? monthlyTokens : other.monthlyTokens,
                concurrency != null ? concurrency : other.concurrency, weight != null ? weight : other.weight);
    }

    /** Fields of {@code update} replace these; a negative number clears the override back to the default. */
    public KeyLimits with(KeyLimits update) {
        return new KeyLimits(pick(update.rpm, rpm), pick(update.tpm, tpm), pick(update.dailyTokens, dailyTokens),
                pick(update.monthlyTokens, monthlyTokens), pickInt(update.concurrency, concurrency), pickInt(update.weight, weight));
    }

    private static Long pick(Long u, Long cur) {
        return u == null ? cur : u < 0 ? null : u;
    }

    private static Integer pickInt(Integer u, Integer cur) {
        return u == null ? cur : u < 0 ? null : u;
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        add(sb, "rpm", rpm);
        add(sb, "tpm", tpm);
        add(sb, "daily", dailyTokens);
        add(sb, "monthly", monthlyTokens);
        add(sb, "concurrency", concurrency == null ? null : concurrency.longValue());
        add(sb, "weight", weight == null ? null : weight.longValue());
        return sb.length() == 0 ? "defaults" : sb.toString();
    }

    private static void add(StringBuilder sb, String name, Long v) {
        if (v != null) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(name).append('=').append(v == 0 ? "unlimited" : String.valueOf(v));
        }
    }
}
