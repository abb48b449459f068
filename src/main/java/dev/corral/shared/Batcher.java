package dev.corral.shared;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Natural batching of one kind of Redis call: an item goes out at once when no call of its kind is
 * in flight; items that arrive meanwhile wait and go together, as one call, when it returns. Alone
 * a request pays one round trip as before; under load one round trip carries many requests' work,
 * and the batches grow with the load. The call delivers each item's result itself; its stage only
 * says when the next batch may go.
 */
final class Batcher<T> {
    private final int max;
    private final Function<List<T>, CompletionStage<?>> call;
    private final ArrayDeque<T> waiting = new ArrayDeque<>();
    private boolean sending;

    /** @param max the most items one call carries */
    Batcher(int max, Function<List<T>, CompletionStage<?>> call) {
        this.max = max;
        this.call = call;
    }

    void add(T item) {
        synchronized (this) {
            waiting.add(item);
            if (sending) {
                return;
            }
            sending = true;
        }
        sendNext();
    }

    /** Whether nothing waits and no call is in flight. */
    synchronized boolean idle() {
        return !sending && waiting.isEmpty();
    }

    /** Waits until {@link #idle}, for at most {@code millis}; whether it is. */
    synchronized boolean awaitIdle(long millis) throws InterruptedException {
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(millis);
        long left;
        while (!idle() && (left = until - System.nanoTime()) > 0) {
            wait(Math.max(1, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left)));
        }
        return idle();
    }

    private void sendNext() {
        List<T> batch;
        synchronized (this) {
            if (waiting.isEmpty()) {
                sending = false;
                notifyAll(); // idle: awaitIdle returns
                return;
            }
            batch = new ArrayList<>(Math.min(max, waiting.size()));
            while (batch.size() < max && !waiting.isEmpty()) {
                batch.add(waiting.poll());
            }
        }
        CompletionStage<?> sent;
        try {
            sent = call.apply(batch);
        } catch (RuntimeException e) {
            sent = java.util.concurrent.CompletableFuture.failedFuture(e); // the call has told its items
        }
        sent.whenComplete((r, e) -> sendNext());
    }
}
