package dev.corral.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.access.KeyDirectory;
import dev.corral.testing.Eventually;
import dev.corral.testing.PostgresServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Key changes made through one PostgreSQL store reach another instance's key directory by
 * LISTEN/NOTIFY, with nothing polling (as a server does every second), within a second; and again
 * after PostgreSQL restarted, once the listener reconnected.
 */
class PostgresKeyChangesTest {

    @Test
    void aRevocationOnOneInstanceReachesTheOtherWithinASecondAndAfterARestart() throws Exception {
        PostgresServer pg = PostgresServer.get();
        dev.corral.config.StoreConfig cfg = PostgresStores.config(pg, pg.newDatabase());
        try (PostgresStore a = PostgresStore.open(cfg.postgres(), Map.of());
             PostgresStore b = PostgresStore.open(cfg.postgres(), Map.of())) {
            KeyDirectory seenByB = new KeyDirectory(b);
            seenByB.refresh();
            CountDownLatch listening = new CountDownLatch(1);
            b.onKeysChanged(() -> {
                seenByB.refresh();
                listening.countDown();
            });
            // The listener is up once it has told B about the state it started in (it does on every connect).
            assertThat(listening.await(10, TimeUnit.SECONDS)).isTrue();
            a.createKey(StoreContract.key("k1"));
            Eventually.await("B to know the new key", Duration.ofSeconds(1), () -> seenByB.get("k1") != null);
            a.revokeKey("k1", Instant.now());
            Eventually.await("B to see the revocation", Duration.ofSeconds(1),
                    () -> seenByB.get("k1").record().revokedAt() != null);

            pg.stop();
            // The first call may find its connection cut by the shutdown; the next cannot connect at all.
            assertThatThrownBy(() -> a.revokeKey("k2", Instant.now())).isInstanceOf(StoreException.class);
            assertThatThrownBy(() -> a.revokeKey("k2", Instant.now())).isInstanceOf(StoreException.class)
                    .hasMessageContaining(pg.url(cfg.postgres().database()) + ": revoke key k2 failed")
                    .hasMessageContaining("is PostgreSQL running")
                    .satisfies(e -> assertThat(((StoreException) e).reason()).isEqualTo("database unreachable"));
            assertThat(seenByB.get("k1")).as("B keeps the keys it had").isNotNull();
            pg.start();
            a.createKey(StoreContract.key("k2")); // the main connection reconnects on its own
            Eventually.await("B to know k2 once its listener is back", Duration.ofSeconds(5), () -> seenByB.get("k2") != null);
            a.revokeKey("k2", Instant.now());
            Eventually.await("B to see k2 revoked", Duration.ofSeconds(1), () -> seenByB.get("k2").record().revokedAt() != null);
        } finally {
            pg.start(); // whatever happened, the next test has its server
        }    }
}
