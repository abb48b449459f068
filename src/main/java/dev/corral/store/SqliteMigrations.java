package dev.corral.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The SQLite schema after {@link SqliteSchema}: {@link SqliteSchema} brings any database Corral ever made
 * up to its version 4 (its steps are not plain SQL scripts: columns added only when missing, duplicate
 * request ids renamed), and Flyway takes over from there, baselining at 4 and applying the scripts in
 * db/sqlite (V5__... on). Opening a database costs Flyway nothing unless a script is pending: while
 * there is no script past the baseline ({@link #LATEST} = {@link #BASELINE}) Flyway is not even loaded
 * (it would only record the hand-over, for about 0.8 s of a cold start), and a database Flyway has at
 * {@link #LATEST} is only read, with one query. `corral store migrate` runs Flyway whatever the case.
 */
final class SqliteMigrations {
    /** Where Flyway finds the SQLite scripts. */
    static final String LOCATION = "classpath:db/sqlite";
    /** The version SqliteSchema ends at and Flyway starts from. */
    static final String BASELINE = Integer.toString(SqliteSchema.VERSION);
    /** The newest Flyway version of the SQLite schema: the last script's in db/sqlite, or the baseline while there is none. */
    static final String LATEST = BASELINE;

    private SqliteMigrations() {}

    /** Whether opening must run Flyway: a script past the baseline exists that the database lacks. One read, no writes. */
    static boolean pending(Connection c) throws SQLException {
        if (LATEST.equals(BASELINE)) {
            return false;
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'flyway_schema_history'")) {
            if (!rs.next()) {
                return true;
            }
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT 1 FROM flyway_schema_history WHERE success = 1 AND version = '" + LATEST + "'")) {
            return !rs.next();
        }
    }

    /** Baselines at {@link #BASELINE} if Flyway never saw the database, then applies the pending scripts; says what it did. */
    static String migrate(Path file) {
        return migrate(file, LOCATION);
    }

    /** As {@link #migrate(Path)}, with the scripts at {@code location}. */
    static String migrate(Path file, String location) {
        try {
            MigrateResult r = Flyway.configure(SqliteMigrations.class.getClassLoader())
                    .dataSource("jdbc:sqlite:" + file.toAbsolutePath(), null, null)
                    .locations(location)
                    .baselineOnMigrate(true)
                    .baselineVersion(BASELINE)
                    .baselineDescription("SqliteSchema " + BASELINE)
                    .load()
                    .migrate();
            return Migrations.describe(r);
        } catch (FlywayException e) {
            throw new StoreException(file + ": migrating the schema failed: " + e.getMessage(), e, "schema migration failed");
        }
    }
}
