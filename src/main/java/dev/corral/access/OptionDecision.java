package dev.corral.access;

import dev.corral.refusal.Refusal;
import java.util.Map;
import java.util.Set;

/**
 * What option policy decided for one request: refuse it, or forward it with some top-level members
 * replaced. The body is rewritten only for the fields named here; everything else passes byte for byte.
 *
 * @param refusal   non-null when the request is refused
 * @param replace   top-level fields whose members (in any spelling, however many) are removed
 * @param append    members added in their place, "field" → encoded JSON value (a field in replace but
 *                  not here is only removed)
 * @param changes   what the client asked for that was changed, name → value now ("removed" for a removed
 *                  option), for the X-Corral-Clamped response header
 * @param maxTokens the completion bound the request now carries, -1 for none
 */
public record OptionDecision(Refusal refusal, Set<String> replace, Map<String, String> append,
                             Map<String, String> changes, long maxTokens) {

    public static OptionDecision refuse(Refusal r) {
        return new OptionDecision(r, Set.of(), Map.of(), Map.of(), -1);
    }

    /** True when the body must be rewritten. */
    public boolean rewrites() {
        return !replace.isEmpty();
    }

    /** The X-Corral-Clamped header value ("num_ctx=8192, keep_alive=1800s"), or null when nothing changed. */
    public String header() {
        if (changes.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        changes.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return sb.toString();
    }
}
