package dev.corral.upstream;

import dev.corral.config.Settings;
import dev.corral.net.Transport;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;

/**
 * The connection pool to where Ollama is now. A reloaded configuration that moves Ollama (or
 * changes how connections to it are made) gets a new pool for the requests after it; the old one
 * is retired, so requests in progress finish on their connections and none is reused after.
 */
public final class UpstreamPools {
    private final Transport transport;
    private final EventLoopGroup group;
    private final ByteBufAllocator alloc;
    private Settings.Upstream at;
    private UpstreamPool current;

    public UpstreamPools(Transport transport, EventLoopGroup group, ByteBufAllocator alloc) {
        this.transport = transport;
        this.group = group;
        this.alloc = alloc;
    }

    /** The pool for {@code upstream}: the current one if it connects the same way, else a new one. */
    public synchronized UpstreamPool poolFor(Settings.Upstream upstream) {
        if (current != null && sameConnections(at, upstream)) {
            return current;
        }
        UpstreamPool old = current;
        current = new UpstreamPool(upstream, transport, group, alloc);
        at = upstream;
        if (old != null) {
            old.retire();
        }
        return current;
    }

    /** Closes the idle connections of the current pool (at shutdown). */
    public synchronized void closeAll() {
        if (current != null) {
            current.closeAll();
        }
    }

    static boolean sameConnections(Settings.Upstream a, Settings.Upstream b) {
        return a.host().equals(b.host()) && a.port() == b.port() && a.connectTimeout().equals(b.connectTimeout())
                && a.poolIdleTimeout().equals(b.poolIdleTimeout());
    }
}
