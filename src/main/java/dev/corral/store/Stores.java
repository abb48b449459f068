package dev.corral.store;

import dev.corral.config.StoreConfig;
import java.util.Map;

/** Opens the store the settings name (SQLite in the state directory by default, or the configured PostgreSQL database), and migrates its schema on demand. */
public final class Stores {
    private Stores() {}

    /**
     * @param usageBusyMillis how long one SQLite usage batch waits on a locked database (PostgreSQL
     *                        batches wait on row locks only, which usage inserts never take)
     */
    public static Store open(StoreConfig config, StateDir dir, long usageBusyMillis) {
        return open(config, dir, usageBusyMillis, System.getenv());
    }

    /** As above; {@code env} may hold CORRAL_STORE_PASSWORD. */
    public static Store open(StoreConfig config, StateDir dir, long usageBusyMillis, Map<String, String> env) {
        if (config.postgres() == null) {
            return SqliteStore.open(dir, usageBusyMillis);
        }
        return PostgresStore.open(config.postgres(), env);
    }

    /**
     * Applies every pending migration (`corral store migrate`): for SQLite, SqliteSchema's upgrade and then
     * Flyway's scripts (recording the hand-over when Flyway never saw the database); for PostgreSQL, Flyway's.
     *
     * @return where, and what was done, in one line
     */
    public static String migrate(StoreConfig config, StateDir dir, Map<String, String> env) {
        if (config.postgres() == null) {
            SqliteStore.open(dir).close(); // SqliteSchema: any older database up to its last version
            return dir.database() + ": " + SqliteMigrations.migrate(dir.database());
        }
        PostgresTarget target = PostgresTarget.of(config.postgres(), env);
        return target.display() + ": " + PostgresSchema.migrate(target);
    }
}
