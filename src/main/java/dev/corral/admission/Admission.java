package dev.corral.admission;

import dev.corral.store.KeyLimits;
import dev.corral.access.Principal;
import dev.corral.config.Settings;
import dev.corral.pipeline.Exchange;
import dev.corral.pipeline.ExchangeListener;
import dev.corral.pipeline.Refusal;
import dev.corral.pipeline.RefusalKind;
import dev.corral.route.RouteClass;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides and accounts admission: request rate, in-flight requests and tokens per key (tokens are
 * reserved before forwarding and settled with Ollama's real counts after), and failed
 * authentication per client address. Everything a request takes is recorded on its {@link Ticket}
 * and given back exactly once when the exchange finishes, on every path, because finishing is
 * exactly-once and the ticket's release is idempotent besides.
 */
public final class Admission implements ExchangeListener {
    private static final long MAX_BOUND = 1_000_000_000_000_000L;
    /** The limits in force for one key: its own, else the configured defaults. 0 = unlimited. */
    public record Limits(long rpm, long burst, long tpm, long daily, long monthly, int concurrency, int weight) {}

    /** What one exchange holds until it finishes. */
    public static final class Ticket {
        final String keyId;
        final Limits limits;
        final AtomicBoolean released = new AtomicBoolean();
        boolean inFlight;
        long reserved;
        long promptEstimate;
        long completionReserve;
        TokenBudgets.Reservation budget;
        volatile FairQueue.Permit permit;

        Ticket(String keyId, Limits limits) {
            this.keyId = keyId;
            this.limits = limits;
        }

        public int weight() {
            return limits.weight();
        }

        /** Prompt tokens estimated at admission (0 for routes that reserve no tokens). */
        public long promptEstimate() {
            return promptEstimate;
        }

        /** Completion tokens reserved at admission (num_predict / max_tokens, or the default). */
        public long completionReserve() {
            return completionReserve;
        }

        /** Holds the upstream slot; if the ticket was already released, gives it straight back. */
        public void hold(FairQueue.Permit p) {
            permit = p;
            if (released.get()) {
                p.release();
            }
        }
    }

    private final Settings.Admission cfg;
    private final Buckets buckets;
    private final TokenBudgets budgets;
    private final FairQueue queue;
    private final Clock clock;
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    public Admission(Settings.Admission cfg, Buckets buckets, TokenBudgets budgets, Clock clock) {
        this.cfg = cfg;
        this.buckets = buckets;
        this.budgets = budgets;
        this.clock = clock;
        this.queue = new FairQueue(cfg.upstreamConcurrency(), cfg.queueSize(), cfg.queuePerKey());
    }

    public FairQueue queue() {
        return queue;
    }

    public Duration queueTimeout() {
        return cfg.queueTimeout();
    }

    public Limits limits(Principal p) {
        KeyLimits k = p.limits();
        return new Limits(k.rpm() != null ? k.rpm() : cfg.rpm(), cfg.burst(), k.tpm() != null ? k.tpm() : cfg.tpm(),
                k.dailyTokens() != null ? k.dailyTokens() : cfg.dailyTokens(),
                k.monthlyTokens() != null ? k.monthlyTokens() : cfg.monthlyTokens(),
                k.concurrency() != null ? k.concurrency() : cfg.concurrency(), k.weight() != null ? k.weight() : cfg.weight());
    }

    /** Requests in flight for a key now (tests check it returns to zero on every path). */
    public int inFlight(String keyId) {
        AtomicInteger n = inFlight.get(keyId);
        return n == null ? 0 : n.get();
    }

    /** The admit stage: rate, concurrency, then tokens; on a refusal everything taken so far is given back. */
    public Refusal admit(Exchange ex) {
        Principal p = ex.principal();
        Limits l = limits(p);
        Ticket t = new Ticket(p.keyId(), l);
        ex.admission(t);
        if (l.rpm() > 0) {
            long cap = l.burst() > 0 ? l.burst() : l.rpm();
            long wait = buckets.take("rpm:" + p.keyId(), cap, l.rpm(), 1);
            if (wait > 0) {
                return tooMany("rate_limit_rpm", "rate limit: this key may send " + l.rpm() + " requests per minute",
                        wait, "rpm", cap, 60, 0);
            }
        }
        if (ex.route().routeClass() != RouteClass.INFERENCE) {
            return null;
        }
        if (l.concurrency() > 0) {
            AtomicInteger n = inFlight.computeIfAbsent(p.keyId(), k -> new AtomicInteger());
            if (n.incrementAndGet() > l.concurrency()) {
                n.decrementAndGet();
                return new Refusal(RefusalKind.TOO_MANY_REQUESTS, "too many requests in flight for this key (limit "
                        + l.concurrency() + ")", "concurrency", false).withHeaders(Map.of("Retry-After", "1"));
            }
            t.inFlight = true;
        }
        t.promptEstimate = Math.max(1, ex.bytesIn() / 4);
        // A bound beyond any limit a key can have (1e15) counts as that much, so sums cannot overflow.
        long completion = !ex.route().producesCompletion() ? 0
                : ex.maxTokens() >= 0 ? Math.min(ex.maxTokens(), MAX_BOUND) : cfg.defaultMaxTokens();
        t.completionReserve = completion;
        long need = t.promptEstimate + completion;
        if (l.tpm() > 0) {
            if (need > l.tpm()) {
                release(t, 0);
                return Refusal.of(RefusalKind.BAD_REQUEST, "tokens_over_limit", "this request may use up to " + need
                        + " tokens, more than this key's " + l.tpm() + " tokens per minute; lower max_tokens (num_predict)");
            }
            long wait = buckets.take("tpm:" + p.keyId(), l.tpm(), l.tpm(), need);
            if (wait > 0) {
                long left = buckets.available("tpm:" + p.keyId(), l.tpm(), l.tpm());
                release(t, 0);
                return tooMany("rate_limit_tpm", "token rate limit: this request may use up to " + need + " tokens and the key has "
                        + Math.max(0, left) + " of its " + l.tpm() + " tokens per minute left", wait, "tpm", l.tpm(), 60, left);
            }
            t.reserved = need;
        }
        if (l.daily() > 0 || l.monthly() > 0) {
            TokenBudgets.Exceeded[] why = new TokenBudgets.Exceeded[1];
            TokenBudgets.Reservation r = budgets.reserve(p.keyId(), l.daily(), l.monthly(), need, clock.instant(), why);
            if (r == null) {
                release(t, 0);
                TokenBudgets.Exceeded e = why[0];
                long secs = Math.max(1, Duration.between(clock.instant(), e.resetsAt()).toSeconds());
                Map<String, String> h = new LinkedHashMap<>();
                h.put("Retry-After", String.valueOf(secs));
                h.put("RateLimit-Policy", "\"" + e.budget() + "\";q=" + e.limit() + ";w=" + (e.budget().equals("daily") ? 86400 : 2592000));
                h.put("RateLimit", "\"" + e.budget() + "\";r=" + Math.max(0, e.limit() - e.used()) + ";t=" + secs);
                return new Refusal(RefusalKind.TOO_MANY_REQUESTS, e.budget() + " token budget exhausted: " + e.used() + " of "
                        + e.limit() + " tokens used or reserved, and this request may use up to " + need + "; resets at "
                        + e.resetsAt(), "budget_" + e.budget(), false).withHeaders(h);
            }
            t.budget = r;
        }
        return null;
    }

    /** Counts a failed authentication; true when the address is now over its limit. */
    public boolean failedAuth(InetAddress a) {
        return buckets.take("auth:" + a.getHostAddress(), cfg.failedAuthBurst(), cfg.failedAuthPerMinute(), 1) > 0;
    }

    public Refusal addressRefusal() {
        long secs = Math.max(1, (long) Math.ceil(60.0 / cfg.failedAuthPerMinute()));
        return new Refusal(RefusalKind.TOO_MANY_REQUESTS, "too many failed authentication attempts from this address",
                "auth_rate", false).withHeaders(Map.of("Retry-After", String.valueOf(secs),
                "RateLimit-Policy", "\"failed-auth\";q=" + cfg.failedAuthBurst() + ";w=60",
                "RateLimit", "\"failed-auth\";r=0;t=" + secs));
    }

    /** Settle: give back the slot and the in-flight count, replace the token reservation by the real count. */
    @Override
    public void onComplete(Exchange ex) {
        Ticket t = ex.admission();
        if (t == null) {
            return;
        }
        release(t, actualTokens(ex, t));
    }

    private void release(Ticket t, long actual) {
        if (!t.released.compareAndSet(false, true)) {
            return;
        }
        FairQueue.Permit p = t.permit;
        if (p != null) {
            p.release();
        }
        if (t.inFlight) {
            inFlight.get(t.keyId).decrementAndGet();
        }
        Limits l = t.limits;
        if (t.reserved > 0) {
            if (actual < t.reserved) {
                buckets.refund("tpm:" + t.keyId, l.tpm(), l.tpm(), t.reserved - actual);
            } else {
                buckets.force("tpm:" + t.keyId, l.tpm(), l.tpm(), actual - t.reserved);
            }
        }
        if (t.budget != null) {
            budgets.settle(t.budget, actual);
        }
    }

    /**
     * What the request really cost: Ollama's counts when it reported them; when a stream was cut
     * before them, the estimated prompt plus one token per streamed chunk; nothing when Ollama never
     * answered.
     */
    static long actualTokens(Exchange ex, Ticket t) {
        if (ex.promptTokens() >= 0 || ex.completionTokens() >= 0) {
            return Math.max(0, ex.promptTokens()) + Math.max(0, ex.completionTokens());
        }
        if (ex.events() == 0) {
            return 0; // Ollama sent nothing countable: nothing was generated for the client
        }
        return t.promptEstimate + (ex.route().producesCompletion() ? ex.events() : 0);
    }

    /** Tokens used and reserved today by a key with a daily budget (0 without one). */
    public long usedToday(String keyId) {
        return budgets.usedToday(keyId, clock.instant());
    }

    /** Housekeeping: forget idle buckets and past budget periods. */
    public void housekeeping() {
        buckets.evictFull();
        budgets.evictOld(clock.instant());
    }

    private static Refusal tooMany(String reason, String message, long waitNanos, String policy, long quota, int window, long left) {
        long secs = Math.max(1, (long) Math.ceil(waitNanos / (double) TimeUnit.SECONDS.toNanos(1)));
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Retry-After", String.valueOf(secs));
        h.put("RateLimit-Policy", "\"" + policy + "\";q=" + quota + ";w=" + window);
        h.put("RateLimit", "\"" + policy + "\";r=" + Math.max(0, left) + ";t=" + secs);
        return new Refusal(RefusalKind.TOO_MANY_REQUESTS, message + "; retry in " + secs + " s", reason, false).withHeaders(h);
    }

}
