package dev.corral.cli;

import dev.corral.access.KeyHasher;
import dev.corral.config.Settings;
import dev.corral.store.SqliteStore;
import dev.corral.store.StateDir;
import dev.corral.store.Stores;
import dev.corral.store.Store;

/** Opens the state directory and store a CLI command works on, the same ones `corral serve` uses. */
final class StoreAccess implements AutoCloseable {
    final StateDir dir;
    final Store store;
    final KeyHasher hasher;

    StoreAccess(Settings settings) {
        this.dir = StateDir.open(settings.stateDir());
        this.hasher = new KeyHasher(dir.serverSecret());
        this.store = Stores.open(settings.store(), dir, SqliteStore.DEFAULT_USAGE_BUSY_MILLIS);
        try {
            store.checkServerSecret(hasher.secretCheck()); // a key made here must work on every instance of a shared store
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
