package dev.corral.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exchanges in progress on this server, from their arrival to their settlement: what the
 * admin API lists as live traffic (and can cancel), and what tests wait on before they read usage.
 * Local answers (health, preflights) leave without settling.
 */
public final class LiveExchanges {
    public LiveExchanges() {}

    private final Set<Exchange> live = ConcurrentHashMap.newKeySet();

    void add(Exchange ex) {
        live.add(ex);
    }

    void remove(Exchange ex) {
        live.remove(ex);
    }

    public int size() {
        return live.size();
    }

    /** A copy of the exchanges in progress now. */
    public List<Exchange> snapshot() {
        return new ArrayList<>(live);
    }
}
