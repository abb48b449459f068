package dev.corral.route;

/**
 * Case folding of JSON field names as Go's encoding/json does it, and where versions disagree.
 *
 * <p>For ASCII names every version agrees: names match when they are equal ignoring ASCII case.
 * Only four non-ASCII code points fold onto ASCII letters anywhere: the Kelvin sign K and the long
 * s ſ (Go's special cases before 1.21, and simple case folding orbits since), and the dotted
 * capital İ and dotless ı (their simple upper/lower case mappings; Java's {@code equalsIgnoreCase}
 * matches both, Go 1.21+'s {@code foldName} only ı, older Go neither). Rather than pick one
 * version, a key with one of them that could mean a field Corral reads is refused. The set is
 * checked against every code point in GoFoldTest.
 */
public final class GoFold {
    private GoFold() {}

    public static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** ASCII letters upper-cased, everything else as it is: Go's folded form of an ASCII name. */
    public static String upperAscii(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'a' && c <= 'z') {
                if (sb == null) {
                    sb = new StringBuilder(s);
                }
                sb.setCharAt(i, (char) (c - 32));
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** The ASCII letter (lower case) a non-ASCII code point folds onto under some version's rules, or -1. */
    public static int asciiFoldOf(int codePoint) {
        return switch (codePoint) {
            case 0x0130, 0x0131 -> 'i'; // İ (lower case i), ı (upper case I)
            case 0x017F -> 's';         // ſ long s
            case 0x212A -> 'k';         // K Kelvin sign
            default -> -1;
        };
    }

    /**
     * Whether {@code key} could bind to the ASCII field {@code name} under any Go version's folding,
     * Java's, or encoding/json/v2's case-insensitive mode (which also ignores '_' and '-'). Only
     * non-ASCII keys are in doubt: an ASCII key matches by ASCII case folding in every version.
     */
    public static boolean couldFoldTo(String key, String name) {
        if (isAscii(key)) {
            return false;
        }
        String k = skeleton(key, false);
        if (k.equals(skeleton(name, false))) {
            return true;
        }
        return skeleton(key, true).equals(skeleton(name, true));
    }

    private static String skeleton(String s, boolean dropDelimiters) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (dropDelimiters && (cp == '_' || cp == '-')) {
                continue;
            }
            if (cp < 0x80) {
                sb.append(cp >= 'A' && cp <= 'Z' ? (char) (cp + 32) : (char) cp);
            } else {
                int folded = asciiFoldOf(cp);
                sb.appendCodePoint(folded >= 0 ? folded : cp);
            }
        }
        return sb.toString();
    }
}
