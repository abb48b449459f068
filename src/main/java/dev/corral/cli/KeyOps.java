package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.admin.AdminClient;
import dev.corral.admin.AdminError;
import dev.corral.admin.KeyJson;
import dev.corral.audit.AuditLog;
import dev.corral.access.KeyIssuer;
import dev.corral.access.KeyManager;
import dev.corral.config.Settings;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;

/**
 * Where `corral keys` does its work: through the running server's admin socket when one answers
 * (the change is then in force when the command returns, and works under the hardened unit, where
 * only the service may write the store), else on the store directly, with the same code and the
 * same audit entries. Both speak the admin API's JSON.
 */
abstract class KeyOps implements AutoCloseable {
    /** Opens the way in for this configuration. */
    static KeyOps open(Settings settings) {
        return AdminClient.answers(settings.adminSocket()) ? new Remote(settings) : new Local(settings);
    }

    /** True when a running server did the work (and applies it now). */
    abstract boolean live();

    abstract ObjectNode create(ObjectNode spec);

    abstract ArrayNode list();

    abstract ObjectNode update(String id, ObjectNode limits);

    /** The key after revocation, with "already_revoked". */
    abstract ObjectNode revoke(String id);

    /** The key with its new secret in "key". */
    abstract ObjectNode rotate(String id, String grace);

    @Override
    public void close() {}

    private static final class Remote extends KeyOps {
        private final AdminClient client;

        Remote(Settings settings) {
            this.client = new AdminClient(settings.adminSocket(), Duration.ofSeconds(30));
        }

        @Override
        boolean live() {
            return true;
        }

        private JsonNode call(String method, String path, JsonNode body) {
            AdminClient.Response r;
            try {
                r = client.call(method, path, body);
            } catch (IOException e) {
                throw new CorralCommand.Failure("the running server did not answer on its admin socket: " + e.getMessage());
            }
            if (r.ok()) {
                return r.body();
            }
            if (r.status() == 400) {
                throw new CorralCommand.UsageError(r.error());
            }
            throw new CorralCommand.Failure(r.error());
        }

        @Override
        ObjectNode create(ObjectNode spec) {
            return (ObjectNode) call("POST", "/admin/v1/keys", spec);
        }

        @Override
        ArrayNode list() {
            return (ArrayNode) call("GET", "/admin/v1/keys", null).path("keys");
        }

        @Override
        ObjectNode update(String id, ObjectNode limits) {
            ObjectNode body = AdminClientJson.object();
            body.set("limits", limits);
            return (ObjectNode) call("PATCH", "/admin/v1/keys/" + id, body);
        }

        @Override
        ObjectNode revoke(String id) {
            return (ObjectNode) call("POST", "/admin/v1/keys/" + id + "/revoke", null);
        }

        @Override
        ObjectNode rotate(String id, String grace) {
            return (ObjectNode) call("POST", "/admin/v1/keys/" + id + "/rotate", AdminClientJson.object().put("grace", grace));
        }
    }

    private static final class Local extends KeyOps {
        private final StoreAccess store;
        private final AuditLog audit;
        private final KeyManager keys;
        private final Clock clock = Clock.systemUTC();

        Local(Settings settings) {
            this.store = new StoreAccess(settings);
            AuditLog a;
            try {
                a = AuditLog.open(store.dir.path().resolve(AuditLog.FILE_NAME), clock);
                AuditLog log = a; // on a shared store, the chain all instances write gets the entry too
                store.store.sharedAudit().ifPresent(rows -> log.alsoTo(new dev.corral.audit.SharedAuditChain(rows, clock)));
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
            this.audit = a;
            this.keys = new KeyManager(store.store, store.hasher, clock, audit);
        }

        @Override
        boolean live() {
            return false;
        }

        private static String actor() {
            return "user:" + System.getProperty("user.name");
        }

        @Override
        ObjectNode create(ObjectNode spec) {
            try {
                java.util.List<dev.corral.access.SshPublicKey> ssh = KeyJson.sshKeys(spec);
                if (!ssh.isEmpty()) {
                    return KeyJson.withCredentials(KeyJson.of(keys.createForSsh(KeyJson.spec(spec), ssh, actor()),
                            clock.instant()), keys.credentials());
                }
                String[] basic = KeyJson.basicUser(spec);
                if (basic != null) {
                    return KeyJson.withCredentials(KeyJson.of(keys.createForBasic(KeyJson.spec(spec), basic[0], basic[1],
                            actor()), clock.instant()), keys.credentials());
                }
                KeyIssuer.Issued issued = keys.create(KeyJson.spec(spec), actor());
                ObjectNode out = KeyJson.of(issued.record(), clock.instant());
                out.put("key", issued.key());
                return out;
            } catch (AdminError e) {
                throw new CorralCommand.UsageError(e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new CorralCommand.UsageError(e.getMessage());
            }
        }

        @Override
        ArrayNode list() {
            return KeyJson.withCredentials(KeyJson.list(keys.list(), clock.instant()), keys.credentials());
        }

        @Override
        ObjectNode update(String id, ObjectNode limits) {
            try {
                return KeyJson.of(keys.updateLimits(id, KeyJson.limits(limits, true), actor()).orElseThrow(() ->
                        new CorralCommand.Failure("no key with id " + id + " (see corral keys list)")), clock.instant());
            } catch (AdminError e) {
                throw new CorralCommand.UsageError(e.getMessage());
            }
        }

        @Override
        ObjectNode revoke(String id) {
            KeyManager.Revoked r = keys.revoke(id, actor());
            if (r == KeyManager.Revoked.NOT_FOUND) {
                throw new CorralCommand.Failure("no key with id " + id + " (see corral keys list)");
            }
            ObjectNode out = KeyJson.of(keys.find(id).orElseThrow(), clock.instant());
            out.put("already_revoked", r == KeyManager.Revoked.ALREADY_REVOKED);
            return out;
        }

        @Override
        ObjectNode rotate(String id, String grace) {
            java.time.Duration d;
            try {
                d = dev.corral.config.Units.duration(grace);
            } catch (IllegalArgumentException e) {
                throw new CorralCommand.UsageError("--grace: " + e.getMessage());
            }
            KeyIssuer.Issued issued = keys.rotate(id, d, actor()).orElseThrow(() ->
                    new CorralCommand.Failure("no active key with id " + id + " (see corral keys list)"));
            ObjectNode out = KeyJson.of(issued.record(), clock.instant());
            out.put("key", issued.key());
            return out;
        }

        @Override
        public void close() {
            try {
                audit.close();
            } finally {
                store.close();
            }
        }
    }

    /** A small helper so both sides build JSON the same way. */
    static final class AdminClientJson {
        static ObjectNode object() {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
    }
}
