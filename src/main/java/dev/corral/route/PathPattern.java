package dev.corral.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Matches decoded paths against route patterns the way Ollama's router does: exact, case-sensitive segments. */
public final class PathPattern {
    private PathPattern() {}

    public static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        if (path.equals("/")) {
            return out;
        }
        int start = 1;
        while (true) {
            int slash = path.indexOf('/', start);
            if (slash < 0) {
                out.add(path.substring(start));
                return out;
            }
            out.add(path.substring(start, slash));
            start = slash + 1;
        }
    }

    /** Whether {@code path} matches {@code pattern} (without collecting its parameters). */
    public static boolean matches(List<String> pattern, List<String> path) {
        int n = pattern.size();
        if (n != path.size()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            String p = pattern.get(i);
            String s = path.get(i);
            if (p.startsWith(":") ? s.isEmpty() : !p.equals(s)) {
                return false;
            }
        }
        return true;
    }

    /** Fills {@code params} and returns true when {@code path} matches {@code pattern}; leaves them alone when not. */
    public static boolean match(List<String> pattern, List<String> path, Map<String, String> params) {
        if (!matches(pattern, path)) {
            return false;
        }
        for (int i = 0; i < pattern.size(); i++) {
            String p = pattern.get(i);
            if (p.startsWith(":")) {
                params.put(p.substring(1), path.get(i));
            }
        }
        return true;
    }
}
