package dev.corral.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.testing.PostgresServer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The store contract on a real PostgreSQL, each test in a new database; and a batch that fails part way
 * stores nothing (SQLite's INSERT OR IGNORE skips a row breaking NOT NULL instead, so only here can a
 * record make its batch fail).
 */
class PostgresStoreContractTest extends StoreContract {
    @Override
    Store openEmpty() {
        return PostgresStores.open(PostgresServer.get());
    }

    @Test
    void aUsageBatchIsStoredWholeOrNotAtAll() {
        UsageRecord broken = new UsageRecord(T, "bad", "k1", "chat", "m1", 200, null, 1, 1, 1, 1, 1); // outcome is required
        assertThatThrownBy(() -> store.insertUsage(List.of(rec("x", "k1", T, 1, 1, "completed"), broken)))
                .isInstanceOf(StoreException.class);
        assertThat(store.usageSince(Instant.EPOCH, null)).isEmpty();
        store.insertUsage(List.of(rec("x", "k1", T, 1, 1, "completed")));
        assertThat(store.usageSince(Instant.EPOCH, null)).hasSize(1);
    }

}
