package dev.corral.pipeline;

import dev.corral.admission.FairQueue;
import dev.corral.admission.Ticket;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import dev.corral.route.RouteClass;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An inference request waits for one of Ollama's slots in fair order across keys
 * ({@link FairQueue}): at once when one is free, else queued until a slot is granted (continue),
 * the wait passes admission.queue_timeout (503), or the client leaves (the connection cancels the
 * wait and the request leaves the queue). A full queue is 503 at once. The slot is held on the
 * exchange's ticket, so settling gives it back. With several Ollama nodes the slot is one of the
 * chosen node's ({@link PickNode}).
 */
public final class AwaitSlot implements Step {
    private final FairQueue queue;
    private final Duration timeout;

    public AwaitSlot(FairQueue queue, Duration timeout) {
        this.queue = queue;
        this.timeout = timeout;
    }

    @Override
    public Decision apply(Exchange ex) {
        if (ex.route().routeClass() != RouteClass.INFERENCE) {
            return Decision.CONTINUE;
        }
        Ticket ticket = ex.ticket();
        CompletableFuture<Decision> granted = new CompletableFuture<>();
        FairQueue q = ex.node() == null ? queue : ex.node().queue(); // several nodes: each has its own slots
        FairQueue.Result r = q.acquire(ex.keyId(), ticket.weight(), ex.loop(), permit -> {
            ticket.hold(permit); // if the exchange already ended, hold() gives the slot straight back
            granted.complete(Decision.CONTINUE);
        });
        if (r.refused() != null) {
            return Decision.refuse(busy("the upstream is busy: " + r.refused(), "queue_full"));
        }
        if (r.permit() != null) {
            ticket.hold(r.permit());
            return Decision.CONTINUE;
        }
        FairQueue.Waiter waiter = r.waiter();
        ScheduledFuture<?> deadline = ex.loop().schedule(() -> {
            if (waiter.cancel()) {
                granted.complete(Decision.refuse(busy("the upstream stayed busy: waited " + timeout.toSeconds()
                        + " s in the queue", "queue_timeout")));
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        granted.whenComplete((d, e) -> {
            deadline.cancel(false);
            if (e instanceof CancellationException) {
                waiter.cancel(); // the client left; a grant racing this one is given back by hold()
            }
        });
        return Decision.await(granted);
    }

    private static Refusal busy(String message, String reason) {
        return new Refusal(RefusalKind.SERVICE_UNAVAILABLE, message, reason, false).withHeaders(Map.of("Retry-After", "5"));
    }
}
