package dev.corral.pipeline;

/**
 * One step of the request path. A stage looks at the exchange, may add to it (principal, model),
 * and either lets it continue (returns null) or refuses it. Stages decide; they never write to the
 * network. A stage that throws refuses the request (fail closed).
 */
public interface Stage {
    /** @return null to continue, or the refusal */
    Refusal apply(Exchange exchange);

    /** True when the stage reads the request body, which is then read (bounded) before it runs. */
    default boolean needsBody() {
        return false;
    }

    default String name() {
        return getClass().getSimpleName();
    }
}
