package dev.corral.config;

import java.util.Collection;
import java.util.Optional;

/** Finds the name a user most likely meant (Levenshtein distance), for "did you mean ...?" hints. */
public final class Closest {
    private Closest() {}

    /**
     * The candidate nearest to {@code given}, if it is near enough to be a slip of the keyboard: at
     * most a third of the given name's length in edits, and never more than 4.
     */
    public static Optional<String> to(String given, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(given, c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        int limit = Math.min(4, Math.max(1, given.length() / 3));
        return best != null && bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }

    /** Edits (insert, delete, substitute) to turn a into b. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
