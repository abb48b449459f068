package dev.corral.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Applied to every test class (auto-detected): after the class, collects garbage and allocates a
 * few buffers so that Netty's detector reports any buffer that was dropped without release, then
 * fails the class if anything leaked.
 */
public final class LeakCheck implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) {
        LeakTracking.install();
        for (int round = 0; round < 5; round++) {
            System.gc();
            // Reference processing after a GC is asynchronous and has no event to wait on.
            LockSupport.parkNanos(20_000_000L);
            List<ByteBuf> probe = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                probe.add(PooledByteBufAllocator.DEFAULT.directBuffer(16));
                probe.add(PooledByteBufAllocator.DEFAULT.heapBuffer(16));
            }
            probe.forEach(ByteBuf::release);
        }
        List<String> leaks = new ArrayList<>(LeakTracking.LEAKS);
        LeakTracking.LEAKS.clear();
        assertThat(leaks).as("Netty buffer leaks reported during %s", context.getDisplayName()).isEmpty();
    }
}
