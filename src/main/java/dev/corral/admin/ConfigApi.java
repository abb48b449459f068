package dev.corral.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpMethod;

/**
 * /admin/v1/config: the configuration in force (as written: file, environment, flags over the
 * defaults; it holds paths, never a secret), and reloading it. A reload validates the new file whole
 * and either applies it to new requests or keeps the running one and says why.
 */
public final class ConfigApi {
    /** What the server offers: its configuration, and a reload. */
    public interface Control {
        ObjectNode effective();

        /** {"applied": bool, "changed": [...], "restart_needed": [...], "error": ...}. */
        ObjectNode reload(String actor);
    }

    private final Control control;

    public ConfigApi(Control control) {
        this.control = control;
    }

    public void register(AdminRoutes routes) {
        routes.add(HttpMethod.GET, "/admin/v1/config", call -> AdminRoutes.Reply.ok(control.effective()))
                .add(HttpMethod.POST, "/admin/v1/config/reload", call -> {
                    ObjectNode r = control.reload(call.actor());
                    return new AdminRoutes.Reply(r.path("applied").asBoolean() ? 200 : 400, r);
                });
    }
}
