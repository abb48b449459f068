package dev.corral.pipeline;

import dev.corral.access.ClientCertificates;
import dev.corral.access.Authenticator;
import dev.corral.config.Settings;
import dev.corral.admission.Admission;
import dev.corral.access.ModelPolicy;
import dev.corral.route.RouteTable;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request's path through Corral, in order (DESIGN.md, "The request's path"). This class is the
 * one place that lists it:
 *
 * <ol>
 *   <li>accept: TLS and HTTP decoding with hard limits ({@code proxy.GatewayInitializer})
 *   <li>identify, route, authenticate, authorize, inspect: the stages below
 *   <li>admit: {@link Admit} (rate, in-flight, tokens), then the wait for an upstream slot in fair
 *       order across keys ({@code limit.FairQueue}, in {@code proxy.ClientHandler})
 *   <li>forward: {@code proxy.Forwarder}, which streams to Ollama and back
 *   <li>settle: {@link ExchangeListener}s (usage record, access log) told once per exchange
 * </ol>
 *
 * Stages that need no body run as soon as the headers arrive, so most refusals happen before a
 * byte of body is read.
 */
public final class GatewayPath {
    private static final Logger log = LoggerFactory.getLogger(GatewayPath.class);

    private final List<Stage> stages;

    public GatewayPath(List<Stage> stages) {
        this.stages = List.copyOf(stages);
    }

    public static GatewayPath standard(Settings settings, RouteTable routes, Authenticator authenticator, Admission admission) {
        return standard(settings, routes, authenticator, admission, Accounting.NONE);
    }

    public static GatewayPath standard(Settings settings, RouteTable routes, Authenticator authenticator, Admission admission,
                                       Accounting accounting) {
        return new GatewayPath(List.of(
                new Identify(settings.trustedProxies()),
                new Classify(routes, RouteTable.publicClasses()),
                new Authenticate(authenticator, admission, settings.tls() == null ? ClientCertificates.none()
                        : new ClientCertificates(settings.tls().clientCertKeys())),
                new Authorize(),
                new Inspect(new ModelPolicy(settings.allowCloudModels())),
                new Admit(admission, accounting)));
    }

    public List<Stage> stages() {
        return stages;
    }

    /**
     * Runs stages from {@code from} until one refuses, one needs a body that {@code bodyRead} says
     * is not read yet, or the list ends.
     *
     * @return the refusal, or null; {@link Progress#next} says where to resume
     */
    public Progress run(Exchange exchange, int from, boolean bodyRead) {
        for (int i = from; i < stages.size(); i++) {
            Stage stage = stages.get(i);
            if (stage.needsBody() && !bodyRead) {
                return new Progress(null, i);
            }
            Refusal refusal;
            try {
                refusal = stage.apply(exchange);
            } catch (RuntimeException e) {
                // Fail closed: a stage that breaks denies the request.
                log.error("stage {} failed on request {}; refusing it", stage.name(), exchange.requestId(), e);
                refusal = Refusal.of(RefusalKind.INTERNAL, "stage_failed", "internal error in the gateway").closing();
            }
            if (refusal != null) {
                return new Progress(refusal, i);
            }
        }
        return new Progress(null, stages.size());
    }

    /** Whether the path is done ({@code next == stages}) and, if not, whether it stopped on a refusal. */
    public record Progress(Refusal refusal, int next) {}

    public boolean complete(Progress p) {
        return p.refusal() == null && p.next() >= stages.size();
    }
}
