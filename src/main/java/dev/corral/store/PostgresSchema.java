package dev.corral.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The PostgreSQL store's schema, kept by Flyway from the scripts in db/postgres. Flyway takes a lock
 * in the database while it migrates, so several instances starting at once apply each script once.
 */
final class PostgresSchema {
    static final String LOCATION = "classpath:db/postgres";

    private PostgresSchema() {}

    /** Applies the pending scripts; says what it did ("at version 1, nothing to do"; "version 0 to 2: 2 applied"). */
    static String migrate(PostgresTarget target) {
        // Connected once first: a wrong password, host or certificate is reported with our hints, not Flyway's wrapping.
        try (java.sql.Connection c = target.connect()) {
            c.isValid(1);
        } catch (java.sql.SQLException e) {
            throw PostgresErrors.fail(target.display(), "connecting", e);
        }
        try {
            MigrateResult r = Flyway.configure(PostgresSchema.class.getClassLoader())
                    .dataSource(target.jdbcUrl(), target.user(), target.password())
                    .locations(LOCATION)
                    .connectRetries(0)
                    .load()
                    .migrate();
            return Migrations.describe(r);
        } catch (FlywayException e) {
            throw new StoreException(target.display() + ": migrating the schema failed: " + e.getMessage(), e,
                    e.getCause() instanceof java.sql.SQLException se ? PostgresErrors.reason(se) : "schema migration failed");
        }
    }
}
