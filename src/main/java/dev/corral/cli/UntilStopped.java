package dev.corral.cli;

import java.util.concurrent.CountDownLatch;

/** Blocks a long-running command until the JVM is asked to stop (SIGTERM, Ctrl-C), then runs its cleanup once. */
final class UntilStopped {
    private UntilStopped() {}

    static void await(Runnable cleanup) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                cleanup.run();
            } finally {
                stopped.countDown();
            }
        }, "corral-shutdown"));
        stopped.await();
    }
}
