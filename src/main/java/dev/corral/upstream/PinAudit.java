package dev.corral.upstream;

import dev.corral.audit.Actions;
import dev.corral.audit.Audit;
import java.util.Map;

/** Writes what the pin watch finds to the audit log: a pinned model drifted from its pin, or matches it again. */
public final class PinAudit implements PinWatch.Listener {
    private final Audit audit;

    public PinAudit(Audit audit) {
        this.audit = audit;
    }

    @Override
    public void drifted(String model, String expected, String actual) {
        audit.record(Audit.SYSTEM, Actions.MODEL_DRIFT, model, Map.of("expected", expected,
                "actual", actual.isEmpty() ? "absent" : actual));
    }

    @Override
    public void matches(String model, String digest) {
        audit.record(Audit.SYSTEM, Actions.MODEL_PIN_MATCH, model, Map.of("digest", digest));
    }
}
