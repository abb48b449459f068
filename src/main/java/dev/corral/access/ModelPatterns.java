package dev.corral.access;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A key's model allowlist: glob patterns ({@code *} any run, {@code ?} one character) matched
 * against normalized model names. "llama3" and "llama3:latest" are the same model, so a name
 * matches when either form does. An empty list allows every model.
 */
public final class ModelPatterns {
    private static final ModelPatterns ANY = new ModelPatterns(List.of(), List.of());

    private final List<String> sources;
    private final List<Pattern> patterns;

    private ModelPatterns(List<String> sources, List<Pattern> patterns) {
        this.sources = sources;
        this.patterns = patterns;
    }

    public static ModelPatterns of(List<String> globs) {
        if (globs == null || globs.isEmpty()) {
            return ANY;
        }
        List<Pattern> ps = new ArrayList<>();
        for (String g : globs) {
            ps.add(compile(ModelNames.normalize(g)));
        }
        return new ModelPatterns(List.copyOf(globs), List.copyOf(ps));
    }

    /** Checks a pattern list from the command line; throws with the offending pattern named. */
    public static List<String> parse(String commaSeparated) {
        List<String> out = new ArrayList<>();
        for (String part : commaSeparated.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            if (!p.matches("[A-Za-z0-9._:/*?-]+")) {
                throw new IllegalArgumentException("model pattern '" + p
                        + "' may hold only letters, digits, . _ : / - and the wildcards * ?");
            }
            out.add(p);
        }
        return out;
    }

    public boolean allowsAll() {
        return patterns.isEmpty();
    }

    public List<String> sources() {
        return sources;
    }

    public boolean allows(String model) {
        if (patterns.isEmpty()) {
            return true;
        }
        String n = ModelNames.normalize(model);
        String tagged = ModelNames.withTag(n);
        for (Pattern p : patterns) {
            if (p.matcher(n).matches() || p.matcher(tagged).matches()) {
                return true;
            }
        }
        return false;
    }

    private static Pattern compile(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
