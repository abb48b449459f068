package dev.corral.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.store.KeyLimits;
import dev.corral.access.KeyManager;
import dev.corral.store.KeyRecord;
import dev.corral.store.Scope;
import dev.corral.access.ModelPatterns;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Keys as the admin API and `corral keys list --format json` show them (never a secret or an
 * HMAC), and key specs and limit updates read from a request body, each bad field named.
 */
public final class KeyJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final List<String> LIMIT_FIELDS = List.of("rpm", "tpm", "daily_tokens", "monthly_tokens", "concurrency", "weight");

    private KeyJson() {}

    public static ObjectNode of(KeyRecord k, Instant now) {
        ObjectNode o = F.objectNode().put("id", k.id()).put("name", k.name())
                .put("created_at", k.createdAt().toString())
                .put("expires_at", k.expiresAt() == null ? null : k.expiresAt().toString())
                .put("revoked_at", k.revokedAt() == null ? null : k.revokedAt().toString())
                .put("status", k.status(now))
                .put("previous_secret_until", k.rotation() == null || !k.rotation().activeAt(now) ? null
                        : k.rotation().until().toString());
        ArrayNode sc = o.putArray("scopes");
        k.scopes().stream().map(Scope::id).sorted().forEach(sc::add);
        ArrayNode mo = o.putArray("models");
        k.models().forEach(mo::add);
        ObjectNode l = o.putObject("limits");
        KeyLimits kl = k.limits();
        putOrNull(l, "rpm", kl.rpm());
        putOrNull(l, "tpm", kl.tpm());
        putOrNull(l, "daily_tokens", kl.dailyTokens());
        putOrNull(l, "monthly_tokens", kl.monthlyTokens());
        putOrNull(l, "concurrency", kl.concurrency() == null ? null : kl.concurrency().longValue());
        putOrNull(l, "weight", kl.weight() == null ? null : kl.weight().longValue());
        return o;
    }

    public static ArrayNode list(List<KeyRecord> keys, Instant now) {
        ArrayNode a = F.arrayNode();
        keys.forEach(k -> a.add(of(k, now)));
        return a;
    }

    /**
     * The body's "ssh_keys" (authorized_keys lines, ssh-ed25519 only), parsed; empty when absent. A bad
     * line is a 400 naming it.
     */
    public static List<dev.corral.access.SshPublicKey> sshKeys(ObjectNode body) {
        List<dev.corral.access.SshPublicKey> out = new ArrayList<>();
        List<String> lines = strings(body, "ssh_keys", List.of());
        for (int i = 0; i < lines.size(); i++) {
            try {
                out.add(dev.corral.access.SshPublicKey.parseLine(lines.get(i)));
            } catch (IllegalArgumentException e) {
                throw AdminError.badRequest("ssh_keys[" + i + "]: " + e.getMessage());
            }
        }
        if (body.has("ssh_keys") && out.isEmpty()) {
            throw AdminError.badRequest("ssh_keys: give at least one 'ssh-ed25519 AAAA...' line");
        }
        return out;
    }

    /** The body's "basic_user": {"user", "bcrypt"}, or null when absent; a bad field is a 400 naming it. */
    public static String[] basicUser(ObjectNode body) {
        JsonNode b = body.get("basic_user");
        if (b == null || b.isNull()) {
            return null;
        }
        if (!(b instanceof ObjectNode o)) {
            throw AdminError.badRequest("basic_user: must be {\"user\": NAME, \"bcrypt\": HASH}");
        }
        known(o, "basic_user", Set.of("user", "bcrypt"));
        if (!o.path("user").isTextual() || !o.path("bcrypt").isTextual()) {
            throw AdminError.badRequest("basic_user: \"user\" and \"bcrypt\" are required strings");
        }
        if (body.has("ssh_keys")) {
            throw AdminError.badRequest("basic_user and ssh_keys: give one; each makes its own key");
        }
        return new String[] {o.get("user").asText(), o.get("bcrypt").asText()};
    }

    /** Adds each key's SSH public keys (fingerprint and line) to its JSON, as "ssh_keys". */
    public static ArrayNode withCredentials(ArrayNode keys, List<dev.corral.store.Credential> credentials) {
        for (JsonNode k : keys) {
            withCredentials((ObjectNode) k, credentials);
        }
        return keys;
    }

    /** Adds the key's SSH public keys (fingerprint and line) as "ssh_keys", and its Basic user as "basic_user". */
    public static ObjectNode withCredentials(ObjectNode key, List<dev.corral.store.Credential> credentials) {
        ArrayNode ssh = key.putArray("ssh_keys");
        key.putNull("basic_user");
        for (dev.corral.store.Credential c : credentials) {
            if (!c.keyId().equals(key.path("id").asText())) {
                continue;
            }
            if (c.kind().equals(dev.corral.store.Credential.SSH)) {
                ssh.addObject().put("fingerprint", dev.corral.access.SshPublicKey.fromBlob(c.ident()).fingerprint())
                        .put("line", c.secret());
            } else if (c.kind().equals(dev.corral.store.Credential.BASIC)) {
                key.put("basic_user", c.ident()); // never the hash
            }
        }
        return key;
    }

    /** {"name", "scopes"?, "models"?, "expires_at"?, "limits"?, "ssh_keys"?} → a spec; a bad field is a 400 naming it. */
    public static KeyManager.Spec spec(ObjectNode body) {
        known(body, "body", Set.of("name", "scopes", "models", "expires_at", "limits", "ssh_keys", "basic_user"));
        JsonNode name = body.get("name");
        if (name == null || !name.isTextual()) {
            throw AdminError.badRequest("name: required, a string");
        }
        Set<Scope> scopes = scopes(body, List.of("inference"));
        List<String> models = models(body);
        Instant expires = null;
        JsonNode e = body.get("expires_at");
        if (e != null && !e.isNull()) {
            try {
                expires = Instant.parse(e.asText());
            } catch (DateTimeParseException ex) {
                throw AdminError.badRequest("expires_at: not an instant such as 2027-01-31T00:00:00Z");
            }
        }
        JsonNode l = body.get("limits");
        KeyLimits limits = l == null || l.isNull() ? KeyLimits.DEFAULTS : limits(l, false);
        return new KeyManager.Spec(name.asText(), scopes, models, expires, limits);
    }

    /** The body's "scopes" (an array of names), or {@code absent}'s when it has none; a bad name is a 400. */
    public static Set<Scope> scopes(ObjectNode body, List<String> absent) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : strings(body, "scopes", absent)) {
            try {
                scopes.add(Scope.parse(s));
            } catch (IllegalArgumentException e) {
                throw AdminError.badRequest("scopes: " + e.getMessage());
            }
        }
        return scopes;
    }

    /** The body's "models" (patterns; none: every model), checked as Ollama names; a bad one is a 400. */
    public static List<String> models(ObjectNode body) {
        try {
            return ModelPatterns.parse(String.join(",", strings(body, "models", List.of())));
        } catch (IllegalArgumentException e) {
            throw AdminError.badRequest("models: " + e.getMessage());
        }
    }

    /**
     * {"rpm": 60, "tpm": null, ...}: a number sets the limit (0 = unlimited), null (with
     * {@code allowDefault}) returns it to the configured default, an absent field stays as it is.
     */
    public static KeyLimits limits(JsonNode l, boolean allowDefault) {
        if (!(l instanceof ObjectNode o)) {
            throw AdminError.badRequest("limits: must be an object with " + String.join(", ", LIMIT_FIELDS));
        }
        known(o, "limits", Set.copyOf(LIMIT_FIELDS));
        Long[] v = new Long[LIMIT_FIELDS.size()];
        for (int i = 0; i < v.length; i++) {
            String f = LIMIT_FIELDS.get(i);
            JsonNode n = o.get(f);
            if (n == null) {
                continue;
            }
            if (n.isNull()) {
                if (!allowDefault) {
                    throw AdminError.badRequest("limits." + f + ": a new key uses the defaults; leave the field out");
                }
                v[i] = -1L;
                continue;
            }
            if (!n.canConvertToExactIntegral() || n.asDouble() < 0 || n.asDouble() > 1e15) {
                throw AdminError.badRequest("limits." + f + ": a whole number from 0 to 1e15 (0 = unlimited)");
            }
            v[i] = n.asLong();
        }
        if ((v[4] != null && v[4] > 100_000) || (v[5] != null && v[5] > 100_000)) {
            throw AdminError.badRequest("limits." + (v[4] != null && v[4] > 100_000 ? "concurrency" : "weight") + ": too large");
        }
        if (v[5] != null && v[5] == 0) {
            throw AdminError.badRequest("limits.weight: must be 1 or more");
        }
        return new KeyLimits(v[0], v[1], v[2], v[3], v[4] == null ? null : v[4].intValue(), v[5] == null ? null : v[5].intValue());
    }

    private static List<String> strings(ObjectNode body, String field, List<String> absent) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return absent;
        }
        if (!n.isArray()) {
            throw AdminError.badRequest(field + ": must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode x : n) {
            if (!x.isTextual()) {
                throw AdminError.badRequest(field + ": must be an array of strings");
            }
            out.add(x.asText());
        }
        return out;
    }

    private static void known(ObjectNode o, String where, Set<String> fields) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) {
                throw AdminError.badRequest(where + "." + f + ": unknown field (known: " + String.join(", ", new java.util.TreeSet<>(fields)) + ")");
            }
        }
    }

    private static void putOrNull(ObjectNode o, String f, Long v) {
        if (v == null) {
            o.putNull(f);
        } else {
            o.put(f, v);
        }
    }
}
