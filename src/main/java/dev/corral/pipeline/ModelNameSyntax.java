package dev.corral.pipeline;

/**
 * The shape of a model name Corral lets through: {@code [host:port/]name[:tag]}, where the host is a
 * letter or digit then letters, digits, '.', '_', '-'; the port one to five digits; the name a letter
 * or digit then letters, digits, '.', '_', '-', '/'; the tag a letter or digit then letters, digits,
 * '.', '_', '-' ("llama3.2:3b", "team/coder", "models.lan:5000/team/coder:1b", as policy.registries
 * may list it). It is the regular expression
 * {@code ([A-Za-z0-9][A-Za-z0-9._-]*:[0-9]{1,5}/)?[A-Za-z0-9][A-Za-z0-9._/-]*(:[A-Za-z0-9][A-Za-z0-9._-]*)?}
 * written as a scan, as it runs on every request ({@code ModelNameSyntaxTest} holds it to that
 * expression).
 */
final class ModelNameSyntax {
    private ModelNameSyntax() {
    }

    static boolean valid(String s) {
        return nameAndTag(s, 0) || hostPortThenNameAndTag(s);
    }

    /** {@code host:port/} at the start, then {@code name[:tag]}. */
    private static boolean hostPortThenNameAndTag(String s) {
        int colon = s.indexOf(':');
        if (colon < 1 || !alnum(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < colon; i++) {
            if (!part(s.charAt(i))) {
                return false;
            }
        }
        int i = colon + 1;
        int digits = 0;
        while (i < s.length() && isDigit(s.charAt(i)) && digits < 6) {
            i++;
            digits++;
        }
        return digits >= 1 && digits <= 5 && i < s.length() && s.charAt(i) == '/' && nameAndTag(s, i + 1);
    }

    /** From {@code from} to the end: {@code name[:tag]}. */
    private static boolean nameAndTag(String s, int from) {
        int n = s.length();
        if (from >= n || !alnum(s.charAt(from))) {
            return false;
        }
        int i = from + 1;
        while (i < n && (part(s.charAt(i)) || s.charAt(i) == '/')) {
            i++;
        }
        if (i == n) {
            return true;
        }
        if (s.charAt(i) != ':' || i + 1 >= n || !alnum(s.charAt(i + 1))) {
            return false;
        }
        for (i += 2; i < n; i++) {
            if (!part(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean part(char c) {
        return alnum(c) || c == '.' || c == '_' || c == '-';
    }

    private static boolean alnum(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
