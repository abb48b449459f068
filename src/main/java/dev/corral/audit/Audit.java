package dev.corral.audit;

import java.util.Map;

/**
 * Where the server writes down what changed: key changes, reloads, server start and stop, bursts of
 * failed authentication, the store failing and recovering. Never per request (the access log and
 * the usage table are for that), never a secret or a body.
 *
 * <p>Call it after the change took effect, on any thread: {@link AuditLog} serializes appends and
 * each one is on disk (fsync) when {@code record} returns, so it does I/O on the calling thread.
 * Data-plane code must not call it per request; {@link AuthFailureSummary} is the pattern for events
 * that come from there.
 *
 * <p>{@code record} throws IllegalArgumentException when the entry breaks a rule (an actor or action
 * of the wrong shape, a detail that looks like a secret, see {@link SecretGuard}): a bug in the
 * caller, found by its tests because {@link #discarding()} checks the same rules. It throws
 * {@link AuditException} when the entry could not be written; the change it describes has already
 * happened, so the caller should answer with a server error that sends the operator to the log.
 */
public interface Audit {
    /** The server itself (start, stop, reloads it decided on). */
    String SYSTEM = "system";

    /**
     * Records one entry.
     *
     * @param actor "system", "uid:1000" (the admin socket's peer), "key:ID" (an admin key)
     * @param action one of {@link Actions}, e.g. {@code key.create}
     * @param target what was acted on (a key id, a model, a client address), or null
     * @param details small facts: strings, integers, booleans, lists and maps of them; never a secret
     */
    void record(String actor, String action, String target, Map<String, ?> details);

    /** The actor for an admin key. */
    static String keyActor(String keyId) {
        return "key:" + keyId;
    }

    /**
     * An Audit that checks every entry as the real log does and then drops it: for tests and for
     * code that runs without a state directory.
     */
    static Audit discarding() {
        return (actor, action, target, details) -> AuditEntry.draft(actor, action, target, details);
    }
}
