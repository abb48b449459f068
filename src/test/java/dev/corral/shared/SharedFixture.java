package dev.corral.shared;

import dev.corral.audit.Audit;
import dev.corral.store.SqliteStore;
import dev.corral.store.StateDir;
import dev.corral.testing.RedisServer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The real Redis (flushed) and a fresh store that tests of shared limits open instances on; closing
 * it closes every instance still open, then the store.
 */
final class SharedFixture implements AutoCloseable {
    final RedisServer redis;
    final SqliteStore store;
    private final List<SharedLimiters> opened = new ArrayList<>();

    SharedFixture() throws Exception {
        redis = RedisServer.shared();
        redis.flush();
        store = SqliteStore.open(StateDir.open(Files.createTempDirectory("corral-shared-")), 2000);
    }

    /** A new instance: a 10 s lease, limits kept in this process while Redis fails. */
    SharedLimiters open() {
        SharedLimiters s = SharedLimiters.open(SharedLimitsTest.cfg(redis.url(), Duration.ofSeconds(10), false), store,
                Audit.discarding());
        opened.add(s);
        return s;
    }

    /** Closes {@code s} now (its close is what the test looks at). */
    void close(SharedLimiters s) {
        opened.remove(s);
        s.close();
    }

    @Override
    public void close() {
        opened.forEach(SharedLimiters::close);
        store.close();
    }
}
