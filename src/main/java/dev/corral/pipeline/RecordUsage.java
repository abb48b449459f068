package dev.corral.pipeline;

import dev.corral.store.UsageRecord;
import dev.corral.usage.Accounting;
import dev.corral.usage.UsageRecorder;
import java.util.concurrent.TimeUnit;

/**
 * One usage record per exchange that presented a known key (refused ones included; requests
 * refused before a key was recognised are only in the access log, so scanners cannot fill the
 * store), and none for requests refused because accounting itself was full.
 */
public final class RecordUsage implements ExchangeListener {
    private final Accounting accounting;

    public RecordUsage(Accounting accounting) {
        this.accounting = accounting;
    }

    @Override
    public void onComplete(Exchange e) {
        Tally t = e.tally();
        if (e.keyId() == null || UsageRecorder.BACKLOG_REASON.equals(t.reason())) {
            return;
        }
        accounting.finished(new UsageRecord(e.startedAt(), e.requestId(), e.keyId(),
                e.route() == null ? null : e.route().name(), e.model(), t.status(), t.outcome().code(),
                t.promptTokens(), t.completionTokens(), TimeUnit.NANOSECONDS.toMillis(t.durationNanos()),
                t.bytesIn(), t.bytesOut(), e.authMethod()), t.outcome() == Outcome.REFUSED);
    }
}
