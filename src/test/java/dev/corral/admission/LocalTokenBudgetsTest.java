package dev.corral.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.store.StoreException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LocalTokenBudgetsTest {
    static final Instant NOON = Instant.parse("2026-11-24T12:00:00Z");

    @Test
    void aPeriodWhoseUsageCouldNotBeReadIsReadAgainNotCountedFromZero() {
        AtomicInteger reads = new AtomicInteger();
        // The store is down for the first read, then holds 900 tokens used today (and this month).
        LocalTokenBudgets budgets = new LocalTokenBudgets((key, since) -> {
            if (reads.incrementAndGet() == 1) {
                throw new StoreException("store down", null);
            }
            return 900;
        });
        TokenBudgets.Exceeded[] exceeded = new TokenBudgets.Exceeded[1];
        assertThatThrownBy(() -> budgets.reserve("k", 1000, 0, 50, NOON, exceeded)).isInstanceOf(StoreException.class);
        // 900 used + 200 asked > 1000: refused, because the day's usage was read this time
        assertThat(budgets.reserve("k", 1000, 0, 200, NOON, exceeded)).isNull();
        assertThat(exceeded[0].budget()).isEqualTo("daily");
        assertThat(exceeded[0].used()).isEqualTo(900);
        assertThat(budgets.reserve("k", 1000, 0, 100, NOON, exceeded)).isNotNull();
        assertThat(reads).hasValue(2);
    }

    @Test
    void theMonthToo() {
        AtomicInteger reads = new AtomicInteger();
        LocalTokenBudgets budgets = new LocalTokenBudgets((key, since) -> {
            if (reads.incrementAndGet() == 1) {
                throw new StoreException("store down", null);
            }
            return 5_000;
        });
        TokenBudgets.Exceeded[] exceeded = new TokenBudgets.Exceeded[1];
        assertThatThrownBy(() -> budgets.reserve("k", 0, 5_100, 50, NOON, exceeded)).isInstanceOf(StoreException.class);
        assertThat(budgets.reserve("k", 0, 5_100, 200, NOON, exceeded)).isNull();
        assertThat(exceeded[0].budget()).isEqualTo("monthly");
    }
}
