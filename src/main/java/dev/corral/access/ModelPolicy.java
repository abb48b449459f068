package dev.corral.access;

import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;

/** Decides whether a principal may use a model: cloud models first, then the key's allowlist. */
public final class ModelPolicy {
    private final boolean allowCloud;

    public ModelPolicy(boolean allowCloud) {
        this.allowCloud = allowCloud;
    }

    /** @return null when allowed */
    public Refusal decide(Principal principal, String model) {
        if (!allowCloud && ModelNames.isCloud(model)) {
            return Refusal.of(RefusalKind.FORBIDDEN, "cloud_model",
                    "model '" + model + "' runs on ollama.com under the server owner's account;"
                            + " cloud models are refused by this gateway");
        }
        if (!principal.models().allows(model)) {
            return Refusal.of(RefusalKind.FORBIDDEN, "model_not_allowed",
                    "model '" + model + "' is not allowed for this key");
        }
        return null;
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
