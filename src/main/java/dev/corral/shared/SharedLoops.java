package dev.corral.shared;

import io.lettuce.core.resource.DefaultEventLoopGroupProvider;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Lettuce's event loops: the gateway's own (native epoll loops, which Lettuce then neither owns
 * nor shuts down) when Lettuce asks for their kind and uses epoll too; any other kind from a
 * provider of Lettuce's own.
 */
final class SharedLoops implements EventLoopGroupProvider {
    private final EventLoopGroup loops;
    private final EventLoopGroupProvider own = new DefaultEventLoopGroupProvider(1);

    SharedLoops(EventLoopGroup loops) {
        this.loops = loops;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
        if (type.isInstance(loops) && Epoll.isAvailable()) {
            return (T) loops;
        }
        return own.allocate(type);
    }

    @Override
    public int threadPoolSize() {
        return own.threadPoolSize();
    }

    @Override
    public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
        if (group == loops) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true); // the gateway's: it shuts them down itself
        }
        return own.release(group, quietPeriod, timeout, unit);
    }

    @Override
    public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
        return own.shutdown(quietPeriod, timeout, unit);
    }
}
