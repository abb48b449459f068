package dev.corral.net;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.ArrayList;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work an event loop puts off to the end of its current turn (after the I/O it is handling, before
 * it waits for more), in two phases: first what must be durable, then the writes that must come
 * after it. Requests admitted in one turn have their usage-journal lines written with one write(2)
 * in the first phase, and are sent to Ollama in the second: a line in the journal still precedes
 * every request Ollama receives, but a busy loop pays one journal write per turn, not per request.
 * Confined to its loop.
 */
public final class TurnEnd {
    private static final Logger log = LoggerFactory.getLogger(TurnEnd.class);
    private static final FastThreadLocal<TurnEnd> OF_LOOP = new FastThreadLocal<>();

    private final EventExecutor loop;
    private final ArrayList<Runnable> durable = new ArrayList<>();
    private final ArrayList<Channel> flushes = new ArrayList<>();
    private final Runnable run = this::run;
    private boolean scheduled;

    private TurnEnd(EventExecutor loop) {
        this.loop = loop;
    }

    /** The calling event loop's, or null when the caller is not an event loop (it then acts at once). */
    public static TurnEnd current() {
        EventExecutor e = ThreadExecutorMap.currentExecutor();
        if (e == null || !e.inEventLoop()) {
            return null;
        }
        TurnEnd t = OF_LOOP.getIfExists();
        if (t == null || t.loop != e) {
            t = new TurnEnd(e);
            OF_LOOP.set(t);
        }
        return t;
    }

    /**
     * Runs {@code r} at the end of this turn, before the flushes; false when the loop takes no more
     * work (shutting down): the caller then does it at once. Registering the same task twice in a turn
     * runs it twice: callers register once per turn.
     */
    public boolean durable(Runnable r) {
        if (!schedule()) {
            return false;
        }
        durable.add(r);
        return true;
    }

    /** Flushes {@code ch} at the end of this turn, after the durable work; at once when the loop takes no more work. */
    public void flush(Channel ch) {
        if (!schedule()) {
            ch.flush();
            return;
        }
        flushes.add(ch);
    }

    private boolean schedule() {
        if (scheduled) {
            return true;
        }
        try {
            loop.execute(run);
        } catch (RejectedExecutionException shuttingDown) {
            return false;
        }
        scheduled = true;
        return true;
    }

    private void run() {
        scheduled = false;
        // What the work below adds meanwhile (a failed write's listener that opens another connection) runs in this
        // same pass, as the lists are read to their growing ends; the pass that adding scheduled finds them empty.
        for (int i = 0; i < durable.size(); i++) {
            try {
                durable.get(i).run();
            } catch (RuntimeException e) {
                log.error("work at the end of an event loop's turn failed", e);
            }
        }
        durable.clear();
        for (int i = 0; i < flushes.size(); i++) {
            flushes.get(i).flush();
        }
        flushes.clear();
    }
}
