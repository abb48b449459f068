package dev.corral.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.access.ApiKey;
import dev.corral.access.KeyIssuer;
import dev.corral.access.KeyManager;
import dev.corral.store.KeyRecord;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * /admin/v1/keys: create (the secret returned once; or, given "ssh_keys", a key the ollama CLI signs
 * in as with those public keys), list, show, update limits, revoke. Every
 * change reloads the server's keys before it answers, so a new key works, and a revoked one is
 * refused, the moment the call returns.
 */
public final class KeysApi {
    private static final Logger log = LoggerFactory.getLogger(KeysApi.class);

    private final KeyManager keys;
    private final Runnable reload;
    private final Clock clock;

    public KeysApi(KeyManager keys, Runnable reload, Clock clock) {
        this.keys = keys;
        this.reload = reload;
        this.clock = clock;
    }

    public void register(AdminRoutes routes) {
        routes.add(HttpMethod.GET, "/admin/v1/keys", this::list)
                .add(HttpMethod.POST, "/admin/v1/keys", this::create)
                .add(HttpMethod.GET, "/admin/v1/keys/:id", this::show)
                .add(HttpMethod.PATCH, "/admin/v1/keys/:id", this::update)
                .add(HttpMethod.POST, "/admin/v1/keys/:id/revoke", this::revoke)
                .add(HttpMethod.POST, "/admin/v1/keys/:id/rotate", this::rotate);
    }

    private AdminRoutes.Reply list(AdminCall call) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("keys", KeyJson.withCredentials(KeyJson.list(keys.list(), clock.instant()), keys.credentials()));
        return AdminRoutes.Reply.ok(out);
    }

    private AdminRoutes.Reply create(AdminCall call) {
        KeyManager.Spec spec = KeyJson.spec(call.json());
        java.util.List<dev.corral.access.SshPublicKey> ssh = KeyJson.sshKeys(call.json());
        if (!ssh.isEmpty()) {
            return createForSsh(call, spec, ssh);
        }
        String[] basic = KeyJson.basicUser(call.json());
        if (basic != null) {
            KeyRecord r;
            try {
                r = keys.createForBasic(spec, basic[0], basic[1], call.actor());
            } catch (IllegalArgumentException e) {
                throw AdminError.badRequest(e.getMessage().replace("--name", "name"));
            }
            reload.run();
            log.info("admin: key {} (\"{}\") created for Basic user {} by {}", r.id(), r.name(), basic[0], call.actor());
            return AdminRoutes.Reply.created(KeyJson.withCredentials(KeyJson.of(r, clock.instant()), keys.credentials()));
        }
        KeyIssuer.Issued issued;
        try {
            issued = keys.create(spec, call.actor());
        } catch (IllegalArgumentException e) {
            throw AdminError.badRequest(e.getMessage().replace("--name", "name"));
        }
        reload.run();
        log.info("admin: key {} (\"{}\") created by {}", issued.record().id(), issued.record().name(), call.actor());
        ObjectNode out = KeyJson.of(issued.record(), clock.instant());
        out.put("key", issued.key());
        return AdminRoutes.Reply.created(out);
    }

    /** A key that signs in only with the given SSH public keys: no secret in the answer, as there is none to use. */
    private AdminRoutes.Reply createForSsh(AdminCall call, KeyManager.Spec spec, java.util.List<dev.corral.access.SshPublicKey> ssh) {
        KeyRecord r;
        try {
            r = keys.createForSsh(spec, ssh, call.actor());
        } catch (IllegalArgumentException e) {
            throw AdminError.badRequest(e.getMessage().replace("--name", "name"));
        }
        reload.run();
        log.info("admin: key {} (\"{}\") created for {} ssh key(s) by {}", r.id(), r.name(), ssh.size(), call.actor());
        return AdminRoutes.Reply.created(KeyJson.withCredentials(KeyJson.of(r, clock.instant()), keys.credentials()));
    }

    private AdminRoutes.Reply show(AdminCall call) {
        return AdminRoutes.Reply.ok(KeyJson.withCredentials(KeyJson.of(existing(call), clock.instant()), keys.credentials()));
    }

    private AdminRoutes.Reply update(AdminCall call) {
        String id = id(call);
        ObjectNode body = call.json();
        java.util.Set<String> known = java.util.Set.of("limits", "scopes", "models");
        body.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                throw AdminError.badRequest(f + ": cannot be changed (only limits, scopes and models can)");
            }
        });
        if (body.isEmpty()) {
            throw AdminError.badRequest("the body must hold limits, scopes or models");
        }
        // everything is read (and a bad field refused) before anything changes
        dev.corral.store.KeyLimits limits = body.has("limits") ? KeyJson.limits(body.get("limits"), true) : null;
        java.util.Set<dev.corral.store.Scope> scopes = body.has("scopes") ? KeyJson.scopes(body, List.of()) : null;
        List<String> models = body.has("models") ? KeyJson.models(body) : null;
        KeyRecord k = null;
        if (scopes != null || models != null) {
            try {
                k = keys.updateAccess(id, scopes, models, call.actor())
                        .orElseThrow(() -> AdminError.notFound("no active key with id " + id));
            } catch (IllegalArgumentException e) {
                throw AdminError.badRequest(e.getMessage());
            }
        }
        if (limits != null) {
            k = keys.updateLimits(id, limits, call.actor())
                    .orElseThrow(() -> AdminError.notFound("no key with id " + id));
        }
        reload.run();
        log.info("admin: key {} updated by {}: scopes {}, models {}, limits {}", id, call.actor(), k.scopes(), k.models(),
                k.limits().describe());
        return AdminRoutes.Reply.ok(KeyJson.of(k, clock.instant()));
    }

    /** {"grace": "24h"}: a new secret, returned once; the old one works until the grace ends ("0s": stops now). */
    private AdminRoutes.Reply rotate(AdminCall call) {
        String id = id(call);
        ObjectNode body = call.json();
        java.time.Duration grace;
        try {
            grace = body.hasNonNull("grace") ? dev.corral.config.Units.duration(body.get("grace").asText())
                    : java.time.Duration.ofHours(24);
        } catch (IllegalArgumentException e) {
            throw AdminError.badRequest("grace: " + e.getMessage());
        }
        if (grace.isNegative() || grace.compareTo(java.time.Duration.ofDays(90)) > 0) {
            throw AdminError.badRequest("grace: between 0s and 90d");
        }
        KeyIssuer.Issued issued = keys.rotate(id, grace, call.actor())
                .orElseThrow(() -> AdminError.notFound("no active key with id " + id));
        reload.run();
        log.info("admin: key {} rotated by {} (old secret works for {})", id, call.actor(), grace);
        ObjectNode out = KeyJson.of(issued.record(), clock.instant());
        out.put("key", issued.key());
        return AdminRoutes.Reply.ok(out);
    }

    private AdminRoutes.Reply revoke(AdminCall call) {
        String id = id(call);
        KeyManager.Revoked r = keys.revoke(id, call.actor());
        if (r == KeyManager.Revoked.NOT_FOUND) {
            throw AdminError.notFound("no key with id " + id);
        }
        reload.run();
        if (r == KeyManager.Revoked.REVOKED) {
            log.info("admin: key {} revoked by {}", id, call.actor());
        }
        ObjectNode out = KeyJson.of(existing(call), clock.instant());
        out.put("already_revoked", r == KeyManager.Revoked.ALREADY_REVOKED);
        return AdminRoutes.Reply.ok(out);
    }

    private KeyRecord existing(AdminCall call) {
        String id = id(call);
        return keys.find(id).orElseThrow(() -> AdminError.notFound("no key with id " + id));
    }

    private static String id(AdminCall call) {
        String id = call.param("id");
        if (!ApiKey.isId(id)) {
            throw AdminError.badRequest("'" + id + "' is not a key id (12 lower-case letters and digits)");
        }
        return id;
    }
}
