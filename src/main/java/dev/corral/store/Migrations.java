package dev.corral.store;

import org.flywaydb.core.api.output.MigrateResult;

/** Says in one line what a Flyway migration did, for `corral store migrate` and the start log. */
final class Migrations {
    private Migrations() {}

    static String describe(MigrateResult r) {
        String from = r.initialSchemaVersion == null ? "empty" : "version " + r.initialSchemaVersion;
        if (r.migrationsExecuted == 0) {
            return "at " + from + ", nothing to migrate";
        }
        return from + " to version " + r.targetSchemaVersion + ": " + r.migrationsExecuted + " migration"
                + (r.migrationsExecuted == 1 ? "" : "s") + " applied";
    }
}
