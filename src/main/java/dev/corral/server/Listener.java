package dev.corral.server;

import dev.corral.config.Settings;
import dev.corral.pipeline.RequestPath;
import dev.corral.tls.ReloadingTls;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;

/** What every connection of the public listener shares: the settings, the request path, TLS, the clock. */
record Listener(Settings settings, RequestPath path, ReloadingTls tls, Clock clock) {

    /** 16 hex digits, without String.format (this runs per request). */
    String newRequestId() {
        String hex = Long.toHexString(ThreadLocalRandom.current().nextLong());
        return hex.length() == 16 ? hex : "0".repeat(16 - hex.length()) + hex;
    }
}
