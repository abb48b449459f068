package dev.corral.audit;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One line of the audit log: who did what to which thing, when, chained to the line before.
 *
 * <p>The line is the canonical JSON ({@link CanonicalJson}: RFC 8785 restricted to strings,
 * integers, booleans, null, arrays and objects with names {@code [a-z][a-z0-9_]*}) of an object with
 * exactly these members, followed by one {@code \n}:
 * <pre>
 * action   string   "key.create", "server.start", ...: dot-separated lower-case words
 * actor    string   "system", "uid:1000" (the admin socket's peer), "key:ID" (an admin key)
 * details  object   small facts about the action; never a secret or a body ({@link SecretGuard})
 * hash     string   64 lower-case hex digits: SHA-256 of the canonical form below
 * prev     string   the hash of the entry before; 64 zeros ({@link #GENESIS}) for the first
 * seq      integer  1 for the first entry, then +1 each
 * target   string or null   what was acted on: a key id, a model, a client address
 * time     string   UTC, ISO-8601 with milliseconds: "2025-06-01T12:00:00.000Z"
 * </pre>
 * {@code hash} is the lower-case hex SHA-256 of the UTF-8 bytes of the canonical JSON of the same
 * object without its {@code hash} member. An outside verifier needs nothing else: for each line,
 * parse it, remove {@code hash}, canonicalize, hash, compare; check that {@code seq} counts up from 1
 * and that {@code prev} is the previous line's {@code hash}. In Python:
 * <pre>
 * prev, seq = "0" * 64, 0
 * for raw in open("audit.log", "rb"):
 *     e = json.loads(raw); h = e.pop("hash"); seq += 1
 *     c = json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
 *     assert hashlib.sha256(c).hexdigest() == h and e["seq"] == seq and e["prev"] == prev
 *     prev = h
 * </pre>
 * Corral's verifier also insists that each line is byte for byte the canonical form of its entry,
 * so that even an edit that changes no value (spacing, member order) is found.
 */
public record AuditEntry(long seq, String time, String actor, String action, String target, Map<String, Object> details,
                         String prev, String hash) {
    /** The prev of the first entry. */
    public static final String GENESIS = "0".repeat(64);

    private static final DateTimeFormatter TIME_FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern ACTION = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+");
    private static final Pattern ACTOR = Pattern.compile("[a-z][a-z0-9_-]{0,31}(:[^\\s\\p{Cntrl}]{1,128})?");
    private static final Set<String> MEMBERS = Set.of("action", "actor", "details", "hash", "prev", "seq", "target", "time");
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** What a caller asked to record, checked, before it has a place in the chain. */
    record Draft(String actor, String action, String target, SortedMap<String, Object> details) {}

    /**
     * Checks what a caller asked to record: the actor and action shapes, the details' types and
     * the {@link SecretGuard}. A refusal is an IllegalArgumentException, thrown on the caller's thread.
     */
    static Draft draft(String actor, String action, String target, Map<String, ?> details) {
        if (actor == null || !ACTOR.matcher(actor).matches()) {
            throw new IllegalArgumentException("audit actor '" + actor + "' must look like system, uid:1000 or key:ID");
        }
        if (action == null || action.length() > 64 || !ACTION.matcher(action).matches()) {
            throw new IllegalArgumentException("audit action '" + action
                    + "' must look like key.create (lower-case words and dots)");
        }
        if (target != null
                && (target.isEmpty() || target.length() > 256 || target.chars().anyMatch(Character::isISOControl))) {
            throw new IllegalArgumentException("audit target must be 1 to 256 characters without control characters");
        }
        SortedMap<String, Object> d;
        try {
            CanonicalJson.normalize(target, "target", 0);
            @SuppressWarnings("unchecked")
            SortedMap<String, Object> normalized = (SortedMap<String, Object>) CanonicalJson.normalize(
                    details == null ? Map.of() : details, "details", 0);
            d = normalized;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("audit " + e.getMessage(), e);
        }
        SecretGuard.checkText("actor", actor);
        SecretGuard.checkText("target", target);
        SecretGuard.checkDetails(d, CanonicalJson.write(d).getBytes(StandardCharsets.UTF_8).length);
        return new Draft(actor, action, target, d);
    }

    /** The entry {@code draft} becomes at position {@code seq}, after the entry whose hash is {@code prev}. */
    static AuditEntry seal(Draft draft, long seq, Instant time, String prev) {
        String t = formatTime(time);
        AuditEntry unsigned = new AuditEntry(seq, t, draft.actor(), draft.action(), draft.target(), draft.details(), prev, null);
        return new AuditEntry(seq, t, draft.actor(), draft.action(), draft.target(), draft.details(), prev,
                sha256(unsigned.canonical()));
    }

    /** A time as entries write it: UTC, ISO-8601, milliseconds. */
    static String formatTime(Instant t) {
        return TIME_FORMAT.format(t);
    }

    /** The canonical JSON the hash is computed over: every member but {@code hash}. */
    public String canonical() {
        return CanonicalJson.write(members(false));
    }

    /** The line as written to the file, without its newline. */
    public String line() {
        return CanonicalJson.write(members(true));
    }

    /** The hash this entry's contents have, whatever its {@code hash} member says. */
    public String computedHash() {
        return sha256(canonical());
    }

    public Instant instant() {
        return Instant.parse(time);
    }

    public AuditHead head() {
        return new AuditHead(seq, hash);
    }

    private SortedMap<String, Object> members(boolean withHash) {
        SortedMap<String, Object> m = new TreeMap<>();
        m.put("action", action);
        m.put("actor", actor);
        m.put("details", details);
        if (withHash) {
            m.put("hash", hash);
        }
        m.put("prev", prev);
        m.put("seq", seq);
        m.put("target", target);
        m.put("time", time);
        return m;
    }

    /**
     * Reads one line (without its newline). Only the shape is checked here (members, types, formats),
     * not the hash or the chain: that is the verifier's job. Anything else is an
     * IllegalArgumentException saying what is wrong.
     */
    public static AuditEntry parse(byte[] line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (IOException e) {
            String m = e.getMessage() == null ? "malformed" : e.getMessage().split("\n")[0];
            throw new IllegalArgumentException("not JSON (" + m + ")");
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!MEMBERS.contains(f)) {
                throw new IllegalArgumentException("unexpected member '" + f + "'");
            }
        }
        JsonNode seq = member(n, "seq");
        if (!seq.isIntegralNumber() || !seq.canConvertToLong() || seq.longValue() < 1) {
            throw new IllegalArgumentException("seq is not a positive integer");
        }
        String time = text(n, "time");
        if (!TIME.matcher(time).matches()) {
            throw new IllegalArgumentException("time '" + time + "' is not UTC ISO-8601 with milliseconds");
        }
        try {
            Instant.parse(time);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("time '" + time + "' is not a valid time");
        }
        JsonNode target = member(n, "target");
        if (!target.isNull() && !target.isTextual()) {
            throw new IllegalArgumentException("target is neither a string nor null");
        }
        JsonNode details = member(n, "details");
        if (!details.isObject()) {
            throw new IllegalArgumentException("details is not an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> d = (Map<String, Object>) CanonicalJson.fromJson(details, "details", 0);
        String prev = text(n, "prev");
        String hash = text(n, "hash");
        if (!HEX64.matcher(prev).matches()) {
            throw new IllegalArgumentException("prev is not 64 lower-case hex digits");
        }
        if (!HEX64.matcher(hash).matches()) {
            throw new IllegalArgumentException("hash is not 64 lower-case hex digits");
        }
        return new AuditEntry(seq.longValue(), time, text(n, "actor"), text(n, "action"),
                target.isNull() ? null : (String) CanonicalJson.normalize(target.textValue(), "target", 0), d, prev, hash);
    }

    private static JsonNode member(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no '" + name + "' member");
        }
        return v;
    }

    private static String text(JsonNode n, String name) {
        JsonNode v = member(n, name);
        if (!v.isTextual()) {
            throw new IllegalArgumentException(name + " is not a string");
        }
        return (String) CanonicalJson.normalize(v.textValue(), name, 0);
    }

    static String sha256(String canonical) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
