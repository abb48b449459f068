package dev.corral;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.admin.ConfigApi;
import dev.corral.admission.AdmissionControl;
import dev.corral.audit.Actions;
import dev.corral.audit.Audit;
import dev.corral.config.ConfigChanges;
import dev.corral.config.ConfigException;
import dev.corral.config.ConfigSource;
import dev.corral.config.Settings;
import dev.corral.pipeline.RequestPath;
import dev.corral.server.GatewayServer;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration of a running server, on SIGHUP, when its file changes, or through the
 * admin API: the new configuration is read and checked whole; if it is bad, the running one stays
 * and the error is logged and audited. Otherwise new requests take a path built from it, at once
 * and all together (requests in progress finish on theirs), admission takes its limits and queue
 * sizes, and the fields that need a restart are kept as they are, and said.
 */
final class Reloader implements ConfigApi.Control {
    private static final Logger log = LoggerFactory.getLogger(Reloader.class);

    private final ConfigSource source;
    private final Function<Settings, RequestPath> paths;
    private final AdmissionControl admission;
    private final GatewayServer server;
    private final Audit audit;
    private volatile Settings running;
    private FileTime seen;

    Reloader(ConfigSource source, Settings running, Function<Settings, RequestPath> paths, AdmissionControl admission,
             GatewayServer server, Audit audit) {
        this.source = source;
        this.running = running;
        this.paths = paths;
        this.admission = admission;
        this.server = server;
        this.audit = audit;
        this.seen = modified();
    }

    Settings running() {
        return running;
    }

    @Override
    public ObjectNode effective() {
        return source.effective().get();
    }

    @Override
    public synchronized ObjectNode reload(String actor) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        Settings next;
        try {
            next = source.load().get();
        } catch (ConfigException | IllegalArgumentException e) {
            log.error("config not reloaded, the running one stays: {}", e.getMessage());
            audit.record(actor, Actions.CONFIG_REJECT, source.file() == null ? null : source.file().toString(),
                    Map.of("error", clip(e.getMessage())));
            return out.put("applied", false).put("error", e.getMessage());
        }
        List<String> changed = ConfigChanges.changed(running, next);
        List<String> restart = ConfigChanges.needingRestart(running, changed);
        Settings applied = ConfigChanges.applicable(running, next);
        admission.reconfigure(applied.admission());
        server.use(applied, paths.apply(applied));
        running = applied;
        out.put("applied", true);
        changed.forEach(out.putArray("changed")::add);
        restart.forEach(out.putArray("restart_needed")::add);
        if (!restart.isEmpty()) {
            log.warn("config reloaded; these changes wait for a restart: {}", String.join(", ", restart));
        } else {
            log.info("config reloaded ({} settings changed)", changed.size());
        }
        audit.record(actor, Actions.CONFIG_RELOAD, source.file() == null ? null : source.file().toString(),
                Map.of("changed", changed.stream().limit(50).toList(), "restart_needed", restart));
        return out;
    }

    /** Reloads when the file's modification time moved (polled). */
    void checkFile() {
        FileTime now = modified();
        if (now != null && !now.equals(seen)) {
            seen = now;
            reload(Audit.SYSTEM);
        }
    }

    private FileTime modified() {
        try {
            return source.file() == null || !Files.exists(source.file()) ? null : Files.getLastModifiedTime(source.file());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String clip(String s) {
        return s == null ? "" : s.length() > 400 ? s.substring(0, 400) : s;
    }
}
