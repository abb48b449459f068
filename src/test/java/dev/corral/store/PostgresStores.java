package dev.corral.store;

import dev.corral.config.ConfigLoader;
import dev.corral.config.StoreConfig;
import dev.corral.testing.PostgresServer;
import java.util.Map;

/** Opens PostgreSQL stores on the test server, configured as an operator would (URL and password file). */
final class PostgresStores {
    private PostgresStores() {}

    /** The store config for a database, through the config loader (store and store_password_file). */
    static StoreConfig config(PostgresServer pg, String database) {
        return new ConfigLoader(Map.of("CORRAL_STORE", pg.url(database),
                "CORRAL_STORE_PASSWORD_FILE", pg.passwordFile().toString())).load(null, Map.of()).store();
    }

    /** A store on a new, empty database. */
    static PostgresStore open(PostgresServer pg) {
        return PostgresStore.open(config(pg, pg.newDatabase()).postgres(), Map.of());
    }
}
