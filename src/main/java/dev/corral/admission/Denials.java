package dev.corral.admission;

import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The refusals admission gives, with Retry-After and the RateLimit headers (draft-ietf-httpapi-ratelimit-headers). */
final class Denials {
    private Denials() {}

    static Refusal rate(String reason, String message, long waitNanos, String policy, long quota, int window, long left) {
        long secs = Math.max(1, (long) Math.ceil(waitNanos / (double) TimeUnit.SECONDS.toNanos(1)));
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Retry-After", String.valueOf(secs));
        h.put("RateLimit-Policy", "\"" + policy + "\";q=" + quota + ";w=" + window);
        h.put("RateLimit", "\"" + policy + "\";r=" + Math.max(0, left) + ";t=" + secs);
        return new Refusal(RefusalKind.TOO_MANY_REQUESTS, message + "; retry in " + secs + " s", reason, false).withHeaders(h);
    }

    static Refusal concurrency(int limit) {
        return new Refusal(RefusalKind.TOO_MANY_REQUESTS, "too many requests in flight for this key (limit " + limit + ")",
                "concurrency", false).withHeaders(Map.of("Retry-After", "1"));
    }

    static Refusal unavailable(String why) {
        return new Refusal(RefusalKind.SERVICE_UNAVAILABLE, "limits cannot be checked now: " + why, "limits_unavailable", false)
                .withHeaders(Map.of("Retry-After", "5"));
    }

    static Refusal neverFits(long need, long tpm) {
        return Refusal.of(RefusalKind.BAD_REQUEST, "tokens_over_limit", "this request may use up to " + need
                + " tokens, more than this key's " + tpm + " tokens per minute; lower max_tokens (num_predict)");
    }

    static Refusal budget(TokenBudgets.Exceeded e, long need, Instant now) {
        long secs = Math.max(1, Duration.between(now, e.resetsAt()).toSeconds());
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Retry-After", String.valueOf(secs));
        h.put("RateLimit-Policy", "\"" + e.budget() + "\";q=" + e.limit() + ";w=" + (e.budget().equals("daily") ? 86400 : 2592000));
        h.put("RateLimit", "\"" + e.budget() + "\";r=" + Math.max(0, e.limit() - e.used()) + ";t=" + secs);
        return new Refusal(RefusalKind.TOO_MANY_REQUESTS, e.budget() + " token budget exhausted: " + e.used() + " of "
                + e.limit() + " tokens used or reserved, and this request may use up to " + need + "; resets at "
                + e.resetsAt(), "budget_" + e.budget(), false).withHeaders(h);
    }
}
