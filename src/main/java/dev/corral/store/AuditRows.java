package dev.corral.store;

import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * An audit chain kept in a store that several instances share: rows of (seq, line), appended one at a
 * time with every other writer held off from reading the last row to committing the new one, so each
 * new line can chain to the one before it whoever wrote that. The lines themselves (hashing, format)
 * are the audit package's business; the store only keeps them in order. Each has a connection of its
 * own, so the server's last entry (server.stop) is written after the store itself has closed.
 */
public interface AuditRows extends AutoCloseable {
    /** One entry: its sequence number and its line (without a newline). */
    record Row(long seq, String line) {}

    /** Appends the row {@code next} makes from the last one (null while the chain is empty); returns it. */
    Row append(UnaryOperator<Row> next);

    /** Every row, in sequence order. */
    void forEach(Consumer<Row> each);

    /** Releases its connection; appends fail afterwards. */
    @Override
    void close();
}
