package dev.corral.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Blocks a long-running command until the JVM is asked to stop (SIGTERM, Ctrl-C), then runs its
 * cleanup once, and then stops logging (everything logged until then is written).
 */
final class UntilStopped {
    private UntilStopped() {}

    static void await(Runnable cleanup) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                cleanup.run();
            } finally {
                dev.corral.logging.LogSetup.stopLogging(); // last: what the cleanup logged, and queued access lines, are written
                stopped.countDown();
            }
        }, "corral-shutdown"));
        stopped.await();
    }
}
