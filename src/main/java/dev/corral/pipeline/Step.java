package dev.corral.pipeline;

/**
 * One step of the request path ({@link RequestPath} lists them). A step looks at the exchange,
 * may add what it learned (principal, model, ticket) and returns a {@link Decision}: go on, read
 * the body first, refuse, answer locally, or wait for something. It never touches the socket; the
 * connection carries the decision out. A step that throws refuses the request (fail closed).
 */
public interface Step {
    Decision apply(Exchange exchange);

    default String name() {
        return getClass().getSimpleName();
    }
}
