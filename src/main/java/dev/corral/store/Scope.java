package dev.corral.store;

import dev.corral.route.RouteClass;
import java.util.Locale;
import java.util.Set;

/** What a key may do, as the set of route classes it reaches. */
public enum Scope {
    /** List, show and inspect models; version and status. */
    META(Set.of(RouteClass.META)),
    /** Run models, plus everything META allows. */
    INFERENCE(Set.of(RouteClass.META, RouteClass.INFERENCE)),
    /**
     * The admin API over TCP (and the console): no route of the public listener, where an admin key
     * is refused like an unknown one. An admin key has no other scope.
     */
    ADMIN(Set.of());

    private final Set<RouteClass> classes;

    Scope(Set<RouteClass> classes) {
        this.classes = classes;
    }

    public boolean allows(RouteClass c) {
        return classes.contains(c);
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Scope parse(String text) {
        for (Scope s : values()) {
            if (s.id().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scope '" + text + "' (known: meta, inference, admin)");
    }
}
