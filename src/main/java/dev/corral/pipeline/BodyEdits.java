package dev.corral.pipeline;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The top-level fields the steps decided to replace or remove in a request body, gathered so the
 * body is rewritten once ({@link RewriteBody}) whatever number of steps changed it.
 */
public final class BodyEdits {
    private final Set<String> replaced = new LinkedHashSet<>();
    private final Map<String, String> appended = new LinkedHashMap<>();

    /** Every member bound to {@code field} is removed and one {@code "field": valueJson} is added. */
    public void replace(String field, String valueJson) {
        replaced.add(field);
        appended.put(field, valueJson);
    }

    /** Every member bound to {@code field} is removed. */
    public void remove(String field) {
        replaced.add(field);
        appended.remove(field);
    }

    public boolean isEmpty() {
        return replaced.isEmpty();
    }

    public Set<String> fields() {
        return Set.copyOf(replaced);
    }

    /** The added members, encoded: "\"a\":1,\"b\":{...}". */
    public String members() {
        StringBuilder sb = new StringBuilder();
        appended.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append('"').append(k).append("\":").append(v));
        return sb.toString();
    }
}
