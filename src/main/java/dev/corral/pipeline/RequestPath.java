package dev.corral.pipeline;

import dev.corral.access.Authenticator;
import dev.corral.access.ClientCertificates;
import dev.corral.access.ModelPolicy;
import dev.corral.admission.AdmissionControl;
import dev.corral.admission.AuthFailureLimiter;
import dev.corral.config.Settings;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import dev.corral.route.RouteTable;
import dev.corral.upstream.UpstreamHealth;
import dev.corral.upstream.UpstreamPool;
import dev.corral.usage.Accounting;
import dev.corral.usage.UsageHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole path a request takes through Corral, in order. {@link #standard} is the one place that
 * lists it:
 *
 * <ol>
 *   <li>{@link Framing}: what the HTTP decoder could not read, or Ollama might read differently;
 *   <li>{@link Health}: {@code /healthz}, answered here;
 *   <li>{@link CorsPreflight}: browser preflights from allowed origins, answered here;
 *   <li>{@link Identify}: the client address (trusted proxies only);
 *   <li>{@link Classify}: which of Ollama's routes, and whether this listener serves it;
 *   <li>{@link Authenticate}: the key (or client certificate) becomes a principal;
 *   <li>{@link Authorize}: the principal's scopes against the route's class;
 *   <li>{@link ReadBody}: the body, read whole and bounded;
 *   <li>{@link Inspect}: the body as Ollama's decoder reads it, and model policy;
 *   <li>{@link CheckPin}: a pinned model runs only with its pinned digest;
 *   <li>{@link ClampOptions}: the options the key may ask of Ollama (num_ctx, num_predict, keep_alive,
 *       runner options, template...), clamped or refused;
 *   <li>{@link RewriteBody}: the fields the steps above changed, rewritten once;
 *   <li>{@link Admit}: rate, in-flight, tokens and budgets of the key; noted for accounting;
 *   <li>{@link PickNode}: with several Ollama nodes, the one that has the model, loaded, least busy;
 *   <li>{@link AwaitSlot}: one of Ollama's (or the chosen node's) slots, in fair order across keys;
 *   <li>{@link Forward}: to Ollama, and the answer back through the {@link Relay}'s filters (token
 *       counts, model listings, hidden usage chunks);
 *   <li>settle, once per exchange: {@link SettleAdmission}, {@link RecordUsage}, {@link AccessLog}.
 * </ol>
 *
 * The connection (server.Connection) runs the steps and carries out each {@link Decision}.
 */
public final class RequestPath {
    private static final Logger log = LoggerFactory.getLogger(RequestPath.class);

    /** What the standard path is built from. */
    public record Parts(Settings settings, RouteTable routes, Authenticator authenticator, AuthFailureLimiter authFailures,
                        AdmissionControl admission, Accounting accounting, Supplier<UsageHealth> usageHealth,
                        UpstreamPool pool, UpstreamHealth upstreamHealth, List<ExchangeListener> extraListeners,
                        LiveExchanges live, java.util.function.Consumer<java.net.InetAddress> authFailed,
                        dev.corral.upstream.PinWatch pins, dev.corral.upstream.Nodes nodes) {}

    private final List<Step> steps;
    private final Forwarder forward;
    private final List<ExchangeListener> settle;
    private final LiveExchanges live;

    public RequestPath(List<Step> steps, Forwarder forward, List<ExchangeListener> settle) {
        this(steps, forward, settle, new LiveExchanges());
    }

    /** @param live shared by the paths of successive configurations, so a reload loses no exchange in progress */
    public RequestPath(List<Step> steps, Forwarder forward, List<ExchangeListener> settle, LiveExchanges live) {
        this.steps = List.copyOf(steps);
        this.forward = forward;
        this.settle = List.copyOf(settle);
        this.live = live;
    }

    public static RequestPath standard(Parts p) {
        Settings s = p.settings();
        ModelPolicy policy = new ModelPolicy(s.allowCloudModels(), s.registries());
        List<ExchangeListener> settle = new ArrayList<>(List.of(
                new SettleAdmission(p.admission()), // first: slots free as soon as an exchange ends
                new RecordUsage(p.accounting())));
        if (s.accessLog()) {
            settle.add(new AccessLog());
        }
        settle.addAll(p.extraListeners());
        return new RequestPath(List.of(
                new Framing(),
                new Health(p.upstreamHealth(), p.usageHealth(), p.admission()::limitsDegraded),
                new CorsPreflight(s.corsOrigins(), p.routes(), RouteTable.publicClasses()),
                new Identify(s.trustedProxies()),
                new Classify(p.routes(), RouteTable.publicClasses()),
                new Authenticate(p.authenticator(), p.authFailures(),
                        s.tls() == null ? ClientCertificates.none() : new ClientCertificates(s.tls().clientCertKeys()),
                        p.authFailed()),
                new Authorize(),
                new ReadBody(s.maxBodyBytes()),
                new Inspect(policy),
                new CheckPin(p.pins()::pins, p.pins()::observed),
                new ClampOptions(s.options()),
                new RewriteBody(),
                new Admit(p.admission(), p.accounting()),
                new PickNode(p.nodes()),
                new AwaitSlot(p.admission().queue(), p.admission().queueTimeout())),
                new Forward(p.pool(), p.upstreamHealth(), s.upstream(), policy, s.options(), s.maxFilteredResponseBytes(), p.nodes()),
                settle, p.live());
    }

    /** Where the path stopped: the decision to carry out, and the step to resume at. */
    public record Progress(Decision decision, int next) {
        /** Every step said continue: forward. */
        public boolean complete() {
            return decision == null;
        }
    }

    /** A new exchange arrived: it is live until it is settled or discarded. */
    public void begin(Exchange ex) {
        live.add(ex);
    }

    /** An exchange that ends without settling (a local answer). */
    public void discard(Exchange ex) {
        live.remove(ex);
    }

    public LiveExchanges live() {
        return live;
    }

    /** Runs the steps from {@code from} until one decides something other than continue, or all pass. */
    public Progress run(Exchange ex, int from) {
        for (int i = from; i < steps.size(); i++) {
            Step step = steps.get(i);
            Decision d;
            try {
                d = step.apply(ex);
            } catch (RuntimeException e) {
                // Fail closed: a step that breaks refuses the request.
                log.error("step {} failed on request {}; refusing it", step.name(), ex.requestId(), e);
                d = Decision.refuse(Refusal.of(RefusalKind.INTERNAL, "step_failed", "internal error in the gateway").closing());
            }
            switch (d.kind()) {
                case CONTINUE -> { }
                case READ_BODY -> {
                    return new Progress(d, i); // asked again once the body is read
                }
                default -> {
                    return new Progress(d, i + 1);
                }
            }
        }
        return new Progress(null, steps.size());
    }

    public Forwarding forward(Exchange ex, ClientSink sink) {
        return forward.start(ex, sink);
    }

    /** Every settle listener hears of the exchange once; one failing does not stop the others. */
    public void settle(Exchange ex) {
        live.remove(ex);
        for (ExchangeListener l : settle) {
            try {
                l.onComplete(ex);
            } catch (RuntimeException e) {
                log.error("{} failed for request {}", l.getClass().getSimpleName(), ex.requestId(), e);
            }
        }
    }

    public List<Step> steps() {
        return steps;
    }

    /** The longest body ReadBody allows. */
    public long maxBodyBytes() {
        for (Step s : steps) {
            if (s instanceof ReadBody r) {
                return r.maxBytes();
            }
        }
        return Long.MAX_VALUE;
    }
}
