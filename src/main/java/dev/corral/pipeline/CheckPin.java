package dev.corral.pipeline;

import dev.corral.access.PinPolicy;
import dev.corral.config.Pins;
import dev.corral.route.RouteClass;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Refuses inference on a pinned model whose digest at Ollama is not its pin ({@link PinPolicy}
 * decides, from the digests the pin watch last read), so a re-pulled, changed model does not run
 * unnoticed.
 */
public final class CheckPin implements Step {
    private final Supplier<Pins> pins;
    private final Supplier<Map<String, String>> observed;

    /** @param pins the pins in force (policy.pins and those `corral models pin` recorded) */
    public CheckPin(Supplier<Pins> pins, Supplier<Map<String, String>> observed) {
        this.pins = pins;
        this.observed = observed;
    }

    @Override
    public Decision apply(Exchange ex) {
        if (ex.route() == null || ex.route().routeClass() != RouteClass.INFERENCE || ex.model() == null) {
            return Decision.CONTINUE;
        }
        return Decision.refuseIf(PinPolicy.decide(pins.get(), observed.get(), ex.model()));
    }
}
