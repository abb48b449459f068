package dev.corral.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.ConfigLoader;
import dev.corral.config.Settings;
import dev.corral.net.Transport;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool of keep-alive connections on real sockets: the most recently used connection is lent
 * first, a connection unused for upstream.pool_idle_timeout is closed, one lent out again in time
 * is not, and retiring the pool closes what it keeps.
 */
class UpstreamPoolTest {
    ServerSocket upstream;
    final List<Socket> accepted = new ArrayList<>();
    Thread acceptor;
    EventLoopGroup group;
    EventLoop loop;
    UpstreamPool pool;

    @BeforeEach
    void start() throws Exception {
        upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket s = upstream.accept();
                    synchronized (accepted) {
                        accepted.add(s);
                    }
                }
            } catch (Exception closed) {
                // the test is over
            }
        });
        acceptor.start();
        Settings.Upstream cfg = new ConfigLoader(Map.of()).load(null, Map.of(
                "upstream.url", "http://127.0.0.1:" + upstream.getLocalPort(),
                "upstream.pool_idle_timeout", "300ms")).upstream();
        Transport t = Transport.best();
        group = t.newGroup(1, "pool-test");
        loop = group.next();
        pool = new UpstreamPool(cfg, t, group, PooledByteBufAllocator.DEFAULT);
    }

    @AfterEach
    void stop() throws Exception {
        pool.closeAll();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        upstream.close();
        acceptor.join(2000);
        synchronized (accepted) {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    <T> T onLoop(Callable<T> c) throws Exception {
        return loop.submit(c).get(5, TimeUnit.SECONDS);
    }

    Channel open() throws Exception {
        Channel ch = onLoop(() -> pool.connect(loop)).sync().channel();
        assertThat(ch.isActive()).isTrue();
        return ch;
    }

    @Test
    void aConnectionUnusedForTheIdleTimeoutIsClosedAndOneLentAgainInTimeIsNot() throws Exception {
        Channel a = open();
        Channel b = open();
        onLoop(() -> {
            pool.release(a);
            pool.release(b);
            return null;
        });
        assertThat(pool.idleCount()).isEqualTo(2);
        assertThat(onLoop(() -> pool.poll(loop))).as("the most recently used first").isSameAs(b);
        a.closeFuture().await(5, TimeUnit.SECONDS); // the sweep closes it within about a quarter of the timeout after it expires
        assertThat(a.isActive()).as("unused for longer than pool_idle_timeout").isFalse();
        assertThat(b.isActive()).as("lent out again: not the pool's to close").isTrue();
        assertThat(onLoop(() -> pool.idleCount())).isZero();
        assertThat(onLoop(() -> pool.poll(loop))).isNull();
    }

    @Test
    void retiringThePoolClosesWhatItKeeps() throws Exception {
        Channel a = open();
        onLoop(() -> {
            pool.release(a);
            return null;
        });
        pool.retire();
        a.closeFuture().await(5, TimeUnit.SECONDS);
        assertThat(a.isActive()).isFalse();
        Channel b = open();
        onLoop(() -> {
            pool.release(b);
            return null;
        });
        assertThat(b.isActive()).as("a retired pool keeps nothing").isFalse();
    }
}
