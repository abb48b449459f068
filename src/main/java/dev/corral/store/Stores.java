package dev.corral.store;

import dev.corral.config.StoreConfig;

/** Opens the store the settings name: SQLite in the state directory by default, or the configured PostgreSQL database. */
public final class Stores {
    private Stores() {}

    /**
     * @param usageBusyMillis how long one SQLite usage batch waits on a locked database (PostgreSQL
     *                        batches wait on row locks only, which usage inserts never take)
     */
    public static Store open(StoreConfig config, StateDir dir, long usageBusyMillis) {
        if (config.postgres() == null) {
            return SqliteStore.open(dir, usageBusyMillis);
        }
        return PostgresStore.open(config.postgres(), System.getenv());
    }
}
