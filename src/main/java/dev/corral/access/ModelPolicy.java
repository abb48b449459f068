package dev.corral.access;

import dev.corral.config.Registries;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;

/**
 * Decides whether a principal may use a model: cloud models first, then the registry its name names
 * (policy.registries, as for pulls), then the key's allowlist.
 */
public final class ModelPolicy {
    private final boolean allowCloud;
    private final Registries registries;

    public ModelPolicy(boolean allowCloud) {
        this(allowCloud, null);
    }

    /** @param registries the registries a model's name may name, or null for any */
    public ModelPolicy(boolean allowCloud, Registries registries) {
        this.allowCloud = allowCloud;
        this.registries = registries;
    }

    /** @return null when allowed */
    public Refusal decide(Principal principal, String model) {
        if (!allowCloud && ModelNames.isCloud(model)) {
            return Refusal.of(RefusalKind.FORBIDDEN, "cloud_model",
                    "model '" + model + "' runs on ollama.com under the server owner's account;"
                            + " cloud models are refused by this gateway");
        }
        String registry = registry(model);
        if (registry != null && registries != null && !registries.allows(registry)) {
            return Refusal.of(RefusalKind.FORBIDDEN, "registry_not_allowed", "model '" + model + "' comes from registry '"
                    + registry + "', which this gateway does not allow (policy.registries: " + registries.describe() + ")");
        }
        if (!principal.models().allows(model)) {
            return Refusal.of(RefusalKind.FORBIDDEN, "model_not_allowed",
                    "model '" + model + "' is not allowed for this key");
        }
        return null;
    }

    /** The registry host a model name names, as Ollama resolves it for inference; null for a name Ollama would refuse. */
    private static String registry(String model) {
        try {
            return ModelName.forShow(model).registry();
        } catch (IllegalArgumentException e) {
            return null; // Ollama refuses the name itself (400): it reaches no registry
        }
    }

    /** True when model listings must be filtered for this principal (some model is hidden from it). */
    public boolean filtersListings(Principal principal) {
        return !allowCloud || !principal.models().allowsAll();
    }

    /** True when the principal may see this model in a listing. */
    public boolean visible(Principal principal, String model) {
        return (allowCloud || !ModelNames.isCloud(model)) && principal.models().allows(model);
    }
}
