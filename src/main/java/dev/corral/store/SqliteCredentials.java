package dev.corral.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The credentials table on the store's main connection: SSH public keys and Basic users, each
 * signing in as a key. Every change bumps {@code keys_version} in the same transaction, so servers
 * reload them with the keys.
 */
final class SqliteCredentials {
    private final Path file;
    private final Connection conn;
    private final Object lock;

    SqliteCredentials(Path file, Connection conn, Object lock) {
        this.file = file;
        this.conn = conn;
        this.lock = lock;
    }

    /** Adds or replaces the credential (kind, ident); false when the key does not exist. */
    boolean put(Credential c) {
        synchronized (lock) {
            return SqliteTransactions.inTransaction(conn, file, "store " + c.kind() + " credential", () -> {
                try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM keys WHERE id = ?")) {
                    ps.setString(1, c.keyId());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            return false; // nothing written: the commit is empty
                        }
                    }
                }
                try (PreparedStatement ps = conn.prepareStatement("INSERT OR REPLACE INTO credentials"
                        + " (kind, ident, key_id, secret, created_at) VALUES (?, ?, ?, ?, ?)")) {
                    ps.setString(1, c.kind());
                    ps.setString(2, c.ident());
                    ps.setString(3, c.keyId());
                    ps.setString(4, c.secret());
                    ps.setLong(5, c.createdAt().toEpochMilli());
                    ps.executeUpdate();
                }
                SqliteTransactions.bumpKeysVersion(conn);
                return true;
            });
        }
    }

    List<Credential> list() {
        synchronized (lock) {
            try (Statement s = conn.createStatement();
                 ResultSet rs = s.executeQuery("SELECT * FROM credentials ORDER BY created_at, kind, ident")) {
                List<Credential> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Credential(rs.getString("kind"), rs.getString("ident"), rs.getString("key_id"),
                            rs.getString("secret"), Instant.ofEpochMilli(rs.getLong("created_at"))));
                }
                return out;
            } catch (SQLException e) {
                throw SqliteErrors.fail(file, "list credentials", e);
            }
        }
    }

    boolean remove(String kind, String ident) {
        synchronized (lock) {
            return SqliteTransactions.inTransaction(conn, file, "remove " + kind + " credential", () -> {
                int n;
                try (PreparedStatement ps = conn.prepareStatement("DELETE FROM credentials WHERE kind = ? AND ident = ?")) {
                    ps.setString(1, kind);
                    ps.setString(2, ident);
                    n = ps.executeUpdate();
                }
                if (n > 0) {
                    SqliteTransactions.bumpKeysVersion(conn);
                }
                return n > 0;
            });
        }
    }
}
