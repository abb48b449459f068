package dev.corral.audit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An Audit for tests that keeps what was recorded, after the same checks the real log makes (so a
 * caller that tries to record a secret fails its test), with the thread that recorded it.
 */
public final class RecordingAudit implements Audit {
    /** One recorded call. */
    public record Recorded(String actor, String action, String target, Map<String, Object> details, String thread) {}

    private final Audit checks = Audit.discarding();
    private final List<Recorded> recorded = new CopyOnWriteArrayList<>();

    @Override
    public void record(String actor, String action, String target, Map<String, ?> details) {
        checks.record(actor, action, target, details);
        Map<String, Object> copy = details == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<String, Object>(details));
        recorded.add(new Recorded(actor, action, target, copy, Thread.currentThread().getName()));
    }

    public List<Recorded> recorded() {
        return List.copyOf(recorded);
    }
}
