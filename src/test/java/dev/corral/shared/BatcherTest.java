package dev.corral.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Natural batching: alone an item goes at once; what arrives while a call is in flight goes together when it returns. */
class BatcherTest {
    final List<List<Integer>> calls = new ArrayList<>();
    final List<CompletableFuture<Void>> inFlight = new ArrayList<>();

    Batcher<Integer> batcher(int max) {
        return new Batcher<>(max, batch -> {
            calls.add(List.copyOf(batch));
            CompletableFuture<Void> f = new CompletableFuture<>();
            inFlight.add(f);
            return f;
        });
    }

    @Test
    void anItemAloneGoesAtOnceAndItemsArrivingMeanwhileGoTogetherWhenTheCallReturns() {
        Batcher<Integer> b = batcher(100);
        b.add(1);
        assertThat(calls).containsExactly(List.of(1));
        b.add(2);
        b.add(3);
        b.add(4);
        assertThat(calls).as("one call in flight at a time").hasSize(1);
        assertThat(b.idle()).isFalse();
        inFlight.get(0).complete(null);
        assertThat(calls).containsExactly(List.of(1), List.of(2, 3, 4));
        inFlight.get(1).complete(null);
        assertThat(b.idle()).isTrue();
        b.add(5);
        assertThat(calls).last().isEqualTo(List.of(5));
    }

    @Test
    void aBatchCarriesAtMostMaxItemsAndTheRestFollow() {
        Batcher<Integer> b = batcher(2);
        b.add(1);
        for (int i = 2; i <= 6; i++) {
            b.add(i);
        }
        inFlight.get(0).complete(null);
        inFlight.get(1).complete(null);
        inFlight.get(2).complete(null);
        assertThat(calls).containsExactly(List.of(1), List.of(2, 3), List.of(4, 5), List.of(6));
    }

    @Test
    void aCallThatFailsOrThrowsDoesNotStopTheNextBatches() {
        List<List<Integer>> seen = new ArrayList<>();
        Batcher<Integer> b = new Batcher<>(10, batch -> {
            seen.add(List.copyOf(batch));
            if (batch.contains(1)) {
                throw new IllegalStateException("the call tells its items itself");
            }
            return CompletableFuture.failedFuture(new IllegalStateException("Redis gone"));
        });
        b.add(1);
        b.add(2);
        assertThat(seen).containsExactly(List.of(1), List.of(2));
        assertThat(b.idle()).isTrue();
    }
}
