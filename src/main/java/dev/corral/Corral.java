package dev.corral;

import dev.corral.admin.AdminClient;
import dev.corral.admin.AdminKeys;
import dev.corral.admin.AdminRoutes;
import dev.corral.config.ConfigException;
import dev.corral.config.ConfigSource;
import dev.corral.admin.AdminServer;
import dev.corral.admin.ConfigApi;
import dev.corral.admin.KeysApi;
import dev.corral.admin.StatusApi;
import dev.corral.admin.MetricsApi;
import dev.corral.audit.Actions;
import dev.corral.audit.Audit;
import dev.corral.audit.AuditHead;
import dev.corral.audit.AuditLog;
import dev.corral.audit.AuthFailureSummary;
import dev.corral.access.Authenticator;
import dev.corral.access.KeyManager;
import dev.corral.access.KeyDirectory;
import dev.corral.access.KeyHasher;
import dev.corral.config.Settings;
import dev.corral.metrics.Metrics;
import dev.corral.pipeline.ExchangeListener;
import dev.corral.pipeline.LiveExchanges;
import dev.corral.pipeline.RequestPath;
import dev.corral.server.IoThreads;
import dev.corral.upstream.UpstreamPool;
import dev.corral.upstream.UpstreamPools;
import dev.corral.admission.AdmissionControl;
import dev.corral.admission.AuthFailureLimiter;
import dev.corral.tls.ReloadingTls;
import dev.corral.admission.LocalBuckets;
import dev.corral.server.GatewayServer;
import dev.corral.upstream.UpstreamHealth;
import dev.corral.route.RouteTable;
import dev.corral.store.Stores;
import dev.corral.store.StateDir;
import dev.corral.store.Store;
import dev.corral.usage.UsageRecorder;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Corral: state directory, audit log, store, keys, usage, upstream health and the gateway
 * listener, started in that order and closed in reverse. {@link #close} is safe after a partial start.
 */
public final class Corral implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Corral.class);
    /** The refresher's failures: a store that cannot be reached would fail every second. */
    private final dev.corral.logging.OutageLog keysOutage = new dev.corral.logging.OutageLog(log, "reloading keys");

    private final List<AutoCloseable> resources = new ArrayList<>();
    private Settings settings;
    private Store store;
    private KeyDirectory keys;
    private UsageRecorder usage;
    private UpstreamHealth health;
    private AdmissionControl admission;
    private RequestPath path;
    private volatile Reloader reloader;
    private final java.util.Set<String> expiredSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private GatewayServer server;
    private AdminServer admin;
    private AuditLog audit;
    private volatile boolean serving;

    private Corral() {}

    public static Corral start(Settings settings) throws InterruptedException {
        return start(settings, Clock.systemUTC(), List.of());
    }

    public static Corral start(Settings settings, Clock clock, List<ExchangeListener> extraListeners)
            throws InterruptedException {
        return start(settings, clock, extraListeners, new ConfigSource(null, () -> settings,
                () -> com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()));
    }

    /** @param source where the configuration is read again on SIGHUP, a file change or the admin API */
    public static Corral start(Settings settings, Clock clock, List<ExchangeListener> extraListeners, ConfigSource source)
            throws InterruptedException {
        Corral c = new Corral();
        try {
            c.settings = settings;
            for (String w : settings.warnings()) {
                log.warn("UNSAFE SETTING: {}", w);
            }
            if (AdminClient.answers(settings.adminSocket())) {
                // Checked before anything in the state directory is touched (journals, the store).
                throw new ConfigException("state_dir: another Corral is running on " + settings.stateDir()
                        + " (its admin socket " + settings.adminSocket() + " answers); stop it, or give this one its own state_dir");
            }
            StateDir dir = StateDir.open(settings.stateDir());
            c.audit = c.own(AuditLog.open(dir.path().resolve(AuditLog.FILE_NAME), clock));
            c.own(c::recordStop); // closed after everything started below: server.stop is written when all has stopped
            KeyHasher hasher = new KeyHasher(dir.serverSecret());
            c.store = c.own(Stores.open(settings.store(), dir, settings.usage().busyTimeout().toMillis()));
            c.store.checkServerSecret(hasher.secretCheck()); // a shared store: every instance must hash keys alike
            c.store.sharedAudit().ifPresent(rows -> c.audit.alsoTo(new dev.corral.audit.SharedAuditChain(rows, clock)));
            c.keys = new KeyDirectory(c.store);
            c.keys.refresh();
            ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "corral-key-refresh");
                t.setDaemon(true);
                return t;
            });
            c.own(refresher::shutdownNow);
            refresher.scheduleWithFixedDelay(c::refreshKeys, 1, 1, TimeUnit.SECONDS);
            c.store.onKeysChanged(() -> refresher.execute(c::refreshKeys)); // PostgreSQL: at once, on every instance
            c.noteExpiredKeys(clock, false);
            refresher.scheduleWithFixedDelay(() -> c.noteExpiredKeys(clock, true), 1, 1, TimeUnit.SECONDS);
            // Before serving: earlier runs' journals are replayed into the store (or kept, if it cannot take them).
            c.usage = c.own(UsageRecorder.start(c.store, dir, settings.usage()));
            IoThreads io = c.own(IoThreads.start(Math.max(1, Runtime.getRuntime().availableProcessors())));
            LocalBuckets buckets = new LocalBuckets(); // failed authentication: per instance, also with shared limits
            c.admission = new AdmissionControl(settings.admission(), c.own(dev.corral.shared.SharedLimiters.open(
                    settings.sharedLimits(), c.store, c.audit, io.transport().name().equals("epoll") ? io.group() : null)).limiters(), clock);
            refresher.scheduleWithFixedDelay(c.admission::housekeeping, 60, 60, TimeUnit.SECONDS);
            c.health = c.own(new UpstreamHealth(settings.upstream()));
            var pins = c.own(new dev.corral.upstream.PinWatch(c::settings, new dev.corral.upstream.PinAudit(c.audit)).start());
            var nodes = c.own(dev.corral.upstream.Nodes.start(settings, io.transport(), io.group(), io.alloc(), c.health)); // probes start
            Metrics metrics = settings.metrics().enabled() ? c.own(new Metrics()) : null;
            List<ExchangeListener> listeners = new ArrayList<>(extraListeners);
            if (metrics != null) {
                metrics.watch(c.admission, c.usage, c.health, c.audit, io.alloc());
                metrics.watchPins(pins::drifted);
                metrics.watchNodes(nodes);
                listeners.add(metrics.exchanges());
            }
            UpstreamPools pools = new UpstreamPools(io.transport(), io.group(), io.alloc());
            RouteTable routes = RouteTable.ollama();
            Authenticator authenticator = Authenticator.of(c.keys, hasher, clock, settings.auth(), c::own);
            AuthFailureLimiter authFailures = new AuthFailureLimiter(buckets, settings.admission().failedAuth());
            LiveExchanges live = new LiveExchanges();
            AuthFailureSummary authSummary = c.own(AuthFailureSummary.start(c.audit, clock));
            c.usage.reportTo(c.audit);
            // Built at start and at each reload: a moved Ollama gets a new pool and the health probe follows it.
            java.util.function.Function<Settings, RequestPath> paths = s -> {
                UpstreamPool pool = pools.poolFor(s.upstream());
                c.health.retarget(s.upstream());
                nodes.resizeQueues(s.admission().queue()); // each node keeps its slots; queue sizes follow a reload
                return RequestPath.standard(new RequestPath.Parts(s, routes, authenticator,
                        new AuthFailureLimiter(buckets, s.admission().failedAuth()), c.admission, c.usage, c.usage::health,
                        pool, c.health, listeners, live, a -> authSummary.failed(a.getHostAddress()), pins, nodes));
            };
            RequestPath path = c.path = paths.apply(settings);
            ReloadingTls tls = null;
            if (settings.tls() != null) {
                tls = new ReloadingTls(settings.tls());
                ReloadingTls t = tls;
                t.onReload(() -> c.audit.record(Audit.SYSTEM, Actions.TLS_RELOAD, settings.tls().cert().toString(), Map.of()));
                long every = settings.tls().reloadInterval().toMillis();
                refresher.scheduleWithFixedDelay(() -> {
                    try {
                        t.refresh();
                    } catch (RuntimeException e) {
                        log.error("checking the TLS files failed: {}", e.toString());
                    }
                }, every, every, TimeUnit.MILLISECONDS);
            }
            AdminRoutes adminRoutes = new AdminRoutes();
            new KeysApi(new KeyManager(c.store, hasher, clock, c.audit), c.keys::refresh, clock).register(adminRoutes);
            new StatusApi(new StatusApi.Parts(version(), clock.instant(), c::settings, c.health, path.live(), c.admission,
                    c.usage, c.audit, c.keys, c.store, clock, nodes)).register(adminRoutes);
            if (metrics != null) {
                new MetricsApi(metrics).register(adminRoutes);
            }
            c.own(new dev.corral.admin.ModelsApi(c::settings, c.audit, pins, nodes)).register(adminRoutes);
            c.admin = c.own(AdminServer.start(settings.admin(), adminRoutes, new AdminKeys(authenticator, authFailures),
                    dev.corral.console.Console.of(clock, authenticator, adminRoutes)));
            c.health.awaitFirstProbe(Duration.ofSeconds(1));
            c.server = c.own(GatewayServer.start(settings, path, io, pools, tls, clock));
            c.reloader = new Reloader(source, settings, paths, c.admission, c.server, c.audit);
            new ConfigApi(c.reloader).register(adminRoutes); // once the reloader exists
            if (source.file() != null) {
                refresher.scheduleWithFixedDelay(c::checkConfigFile, 2, 2, TimeUnit.SECONDS);
            }
            log.info("Corral listening on {}://{} for Ollama at {} ({} keys, state in {})", tls == null ? "http" : "https",
                    hostPort(c.server.address(), settings.listen()), settings.upstream().url(), c.keys.size(), settings.stateDir());
            c.audit.record(Audit.SYSTEM, Actions.SERVER_START, null, Map.of("version", version(),
                    "listen", hostPort(c.server.address(), settings.listen()), "tls", tls != null, "upstream", settings.upstream().hostHeader()));
            c.serving = true;
            c.logAuditHead();
            return c;
        } catch (InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Records server.stop, once, if server.start was recorded. */
    private void recordStop() {
        if (!serving) {
            return;
        }
        serving = false;
        try {
            audit.record(Audit.SYSTEM, Actions.SERVER_STOP, null, Map.of("version", version()));
            logAuditHead();
        } catch (RuntimeException e) {
            log.error("recording server.stop in the audit log failed: {}", e.getMessage());
        }
    }

    /** The head an operator keeps to catch a truncated log later (corral audit verify --head). */
    private void logAuditHead() {
        AuditHead head = audit.head();
        log.info("audit log {}: head seq {} hash {} (keep it: 'corral audit verify --head HASH' finds a log cut short)",
                audit.file(), head.seq(), head.hash());
    }

    private static String version() {
        String v = Corral.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Reads the configuration again and applies what can be applied to new requests (see {@link Reloader}). */
    public com.fasterxml.jackson.databind.node.ObjectNode reloadConfig(String actor) {
        return reloader.reload(actor);
    }

    /** Keys whose expiry passed while this server ran are audited once (key.expire); those already expired at start are not. */
    private void noteExpiredKeys(Clock clock, boolean record) {
        try {
            java.time.Instant now = clock.instant();
            for (var e : keys.entries()) {
                var k = e.record();
                if (k.revokedAt() == null && k.expiredAt(now) && expiredSeen.add(k.id()) && record) {
                    audit.record(Audit.SYSTEM, Actions.KEY_EXPIRE, k.id(), Map.of("name", k.name(),
                            "expired_at", k.expiresAt().toString()));
                }
            }
        } catch (RuntimeException e) {
            log.error("checking for expired keys failed: {}", e.toString());
        }
    }

    private void checkConfigFile() {
        try {
            reloader.checkFile();
        } catch (RuntimeException e) {
            log.error("checking the config file for changes failed: {}", e.toString());
        }
    }

    /** Reloads keys from the store now, rather than at the next one-second poll. */
    public void reloadKeys() {
        keys.refresh();
    }

    private void refreshKeys() {
        try {
            keys.refresh();
            keysOutage.ok();
        } catch (RuntimeException e) {
            keysOutage.failed(e.getMessage() + "; the keys loaded before stay in force");
        }
    }

    private <T extends AutoCloseable> T own(T resource) {
        resources.add(resource);
        return resource;
    }

    public InetSocketAddress address() {
        return server.address();
    }

    /** The settings in force (a reload replaces them). */
    public Settings settings() {
        Reloader r = reloader;
        return r == null ? settings : r.running();
    }

    public Store store() {
        return store;
    }

    public UsageRecorder usage() {
        return usage;
    }

    /** The audit log: record events with {@link Audit#record}, publish {@link AuditLog#head()}. */
    public AuditLog audit() {
        return audit;
    }

    public AdmissionControl admission() {
        return admission;
    }

    public GatewayServer server() {
        return server;
    }

    /** The exchanges in progress now. */
    public dev.corral.pipeline.LiveExchanges live() {
        return path.live();
    }

    /** The admin TCP listener's address, or null when admin.listen is off. */
    public InetSocketAddress adminAddress() {
        return admin.tcpAddress();
    }

    /** The admin socket the CLI reaches this server on. */
    public java.nio.file.Path adminSocket() {
        return admin.socket();
    }

    /**
     * The bound address as a user writes it: a wildcard listener shows as 0.0.0.0:PORT or [::]:PORT
     * (as configured), not as the IPv6 socket's [0:0:0:0:0:0:0:0] that a dual-stack bind reports.
     */
    static String hostPort(InetSocketAddress bound, dev.corral.config.HostPort configured) {
        java.net.InetAddress a = bound.getAddress();
        String host = configured.host();
        if (a.isAnyLocalAddress()) {
            return (host.contains(":") ? "[::]" : "0.0.0.0") + ":" + bound.getPort();
        }
        String h = a.getHostAddress();
        if (host.matches("[0-9a-fA-F:.]+") && host.contains(":") && h.contains(":")) {
            h = host; // an IPv6 literal as configured ([::1]), not expanded by the JDK ([0:0:0:0:0:0:0:1])
        }
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + bound.getPort();
    }

    @Override
    public void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", resources.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        resources.clear();
    }
}
