package dev.corral.access;

import dev.corral.config.Registries;

/**
 * Decides whether a model may be pulled, before Ollama sees the request: cloud models only when
 * policy.allow_cloud_models, a registry only when policy.registries lists it, and plain HTTP (the
 * request's "insecure", or an "http://" name) only for a registry listed as "http://host".
 */
public final class PullPolicy {
    private final Registries registries;
    private final boolean allowCloud;

    public PullPolicy(Registries registries, boolean allowCloud) {
        this.registries = registries;
        this.allowCloud = allowCloud;
    }

    /** @return null when the pull may go ahead, else the reason it may not (a 403) */
    public String refusal(ModelName name, boolean insecure) {
        if (name.cloud() && !allowCloud) {
            return "model '" + name.shortest() + "' runs on ollama.com under the server owner's account;"
                    + " cloud models are refused (policy.allow_cloud_models)";
        }
        String registry = name.registry();
        if (!registries.allows(registry)) {
            return "registry '" + registry + "' is not allowed: pulls may reach only " + registries.describe()
                    + " (policy.registries)";
        }
        if ((insecure || name.plainHttpScheme()) && !registries.allowsPlainHttp(registry)) {
            return "plain HTTP to registry '" + registry + "' is refused: anyone on the path could replace the model."
                    + " To allow it, list it as http://" + registry + " in policy.registries";
        }
        return null;
    }

    /** True when a name that would run on ollama.com may be used (shown, pulled). */
    public boolean allowsCloud() {
        return allowCloud;
    }
}
