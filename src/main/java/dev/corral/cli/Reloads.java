package dev.corral.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SIGHUP reloads the configuration of `corral serve`, as operators expect of a daemon (systemctl reload). */
final class Reloads {
    private static final Logger log = LoggerFactory.getLogger(Reloads.class);

    private Reloads() {}

    static void onHangup(Runnable reload) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                try {
                    reload.run();
                } catch (RuntimeException e) {
                    log.error("reloading the configuration on SIGHUP failed: {}", e.toString());
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.info("SIGHUP is not available here ({}); reload through the admin API or by editing the file", e.getMessage());
        }
    }
}
