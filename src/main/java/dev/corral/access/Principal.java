package dev.corral.access;

import dev.corral.store.Scope;
import dev.corral.store.KeyLimits;
import java.util.Set;

/** Who is calling, once authenticated: the key's public id, name and what it may do. */
public record Principal(String keyId, String name, Set<Scope> scopes, ModelPatterns models, KeyLimits limits) {

    public Principal(String keyId, String name, Set<Scope> scopes, ModelPatterns models) {
        this(keyId, name, scopes, models, KeyLimits.DEFAULTS);
    }
}
