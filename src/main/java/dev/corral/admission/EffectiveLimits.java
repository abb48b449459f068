package dev.corral.admission;

import dev.corral.config.Settings;
import dev.corral.store.KeyLimits;

/**
 * The limits in force for one key: its own where it has them, else the configured defaults.
 * 0 means unlimited.
 */
public record EffectiveLimits(long rpm, long burst, long tpm, long daily, long monthly, int concurrency, int weight) {

    public static EffectiveLimits of(KeyLimits k, Settings.KeyDefaults d) {
        return new EffectiveLimits(k.rpm() != null ? k.rpm() : d.rpm(), d.burst(), k.tpm() != null ? k.tpm() : d.tpm(),
                k.dailyTokens() != null ? k.dailyTokens() : d.dailyTokens(),
                k.monthlyTokens() != null ? k.monthlyTokens() : d.monthlyTokens(),
                k.concurrency() != null ? k.concurrency() : d.concurrency(), k.weight() != null ? k.weight() : d.weight());
    }
}
