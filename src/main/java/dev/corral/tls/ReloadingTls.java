package dev.corral.tls;

import dev.corral.config.Settings;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's current TLS context, rebuilt when the certificate, key or client CA files change
 * (a certbot renewal), with the old one kept when the new files do not make a valid context: new
 * connections get the new certificate, nothing restarts, and a bad renewal only logs an error.
 */
public final class ReloadingTls {
    private static final Logger log = LoggerFactory.getLogger(ReloadingTls.class);

    private final Settings.Tls tls;
    private volatile SslContext current;
    private volatile List<String> fingerprint;

    public ReloadingTls(Settings.Tls tls) {
        this.tls = tls;
        this.fingerprint = fingerprint();
        this.current = TlsContexts.build(tls);
        log.info("TLS on with {} (certificate {})", TlsContexts.provider(), tls.cert());
    }

    private volatile Runnable onReload;

    /** Told after each reload that put a new certificate in service (the audit log). */
    public void onReload(Runnable r) {
        onReload = r;
    }

    public SslContext current() {
        return current;
    }

    /** Checks the files; rebuilds when they changed. Returns true when a new context is in use. */
    public boolean refresh() {
        List<String> now = fingerprint();
        if (now.equals(fingerprint)) {
            return false;
        }
        try {
            SslContext next = TlsContexts.build(tls);
            current = next;
            fingerprint = now;
            log.info("TLS certificate reloaded from {}", tls.cert());
            Runnable r = onReload;
            if (r != null) {
                r.run();
            }
            return true;
        } catch (RuntimeException e) {
            // Keep serving with the certificate we have; try again at the next change.
            fingerprint = now;
            log.error("the new TLS files are not usable, keeping the previous certificate: {}", e.getMessage());
            return false;
        }
    }

    private List<String> fingerprint() {
        List<String> f = new ArrayList<>();
        for (Path p : new Path[] {tls.cert(), tls.key(), tls.clientCa()}) {
            if (p == null) {
                continue;
            }
            try {
                f.add(p + "@" + Files.getLastModifiedTime(p).toMillis() + "/" + Files.size(p));
            } catch (IOException e) {
                f.add(p + "@missing");
            }
        }
        return f;
    }
}
