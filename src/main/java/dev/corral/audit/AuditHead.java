package dev.corral.audit;

/**
 * The end of the chain: the last entry's sequence number and hash. The server publishes it (its log
 * at start and stop, later the admin API and metrics) so that {@code corral audit verify --head HASH}
 * can tell a truncated or replaced log from an intact one. An empty log's head is seq 0 and the
 * genesis hash.
 */
public record AuditHead(long seq, String hash) {
    @Override
    public String toString() {
        return "seq " + seq + " hash " + hash;
    }
}
