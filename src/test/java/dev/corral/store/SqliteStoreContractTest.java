package dev.corral.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on SQLite. */
class SqliteStoreContractTest extends StoreContract {
    @TempDir
    Path dir;

    @Override
    Store openEmpty() {
        return SqliteStore.open(StateDir.open(dir));
    }
}
