package dev.corral.store;

import dev.corral.config.StoreConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/**
 * Where a PostgreSQL store connects and as whom: the URL's host, database and driver parameters
 * (TLS among them), and the password read once from its file or CORRAL_STORE_PASSWORD. Only
 * {@link #display} (which holds no password) ever appears in messages.
 */
final class PostgresTarget {
    /** How long connecting may take before the store reports the database unreachable. */
    static final int CONNECT_TIMEOUT_SECONDS = 5;
    /** How long one statement may wait on the network before its call fails (and the connection is replaced). */
    static final int SOCKET_TIMEOUT_SECONDS = 30;

    private final StoreConfig.Postgres config;
    private final Properties props = new Properties();

    private PostgresTarget(StoreConfig.Postgres config, String password) {
        this.config = config;
        props.setProperty("user", config.user());
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", "corral");
    }

    /** Reads the password: from the configured file, else from {@code env}'s CORRAL_STORE_PASSWORD, else none. */
    static PostgresTarget of(StoreConfig.Postgres config, Map<String, String> env) {
        String password = null;
        if (config.passwordFile() != null) {
            try {
                String text = Files.readString(config.passwordFile(), StandardCharsets.UTF_8);
                int nl = text.indexOf('\n');
                password = (nl < 0 ? text : text.substring(0, nl)).replace("\r", "");
            } catch (IOException e) {
                throw new StoreException("store_password_file " + config.passwordFile() + ": cannot read the PostgreSQL password ("
                        + e + "); make the file readable by the user Corral runs as", e, "password file unreadable");
            }
            if (password.isEmpty()) {
                throw new StoreException("store_password_file " + config.passwordFile() + ": the first line is empty; put the"
                        + " PostgreSQL password of " + config.user() + " on it", null, "password file empty");
            }
        } else if (env.get(StoreConfig.PASSWORD_VARIABLE) != null && !env.get(StoreConfig.PASSWORD_VARIABLE).isEmpty()) {
            password = env.get(StoreConfig.PASSWORD_VARIABLE);
        }
        return new PostgresTarget(config, password);
    }

    String display() {
        return config.display();
    }

    String jdbcUrl() {
        return config.jdbcUrl();
    }

    String user() {
        return config.user();
    }

    /** The password, for Flyway's connection; null when none is configured. */
    String password() {
        return props.getProperty("password");
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(config.jdbcUrl(), props);
    }
}
