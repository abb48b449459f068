package dev.corral.access;

/**
 * Go's strings.TrimSpace and strings.ToLower, which Ollama applies to model names: they differ from
 * Java's strip() (Go also trims U+0085 and the no-break spaces U+00A0, U+2007, U+202F) and from
 * toLowerCase (Go maps each rune on its own, so İ becomes a plain i).
 */
final class GoText {
    private GoText() {}

    static String trimSpace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.codePointAt(start))) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (end > start && isSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    /** Go's unicode.IsSpace: the Latin-1 spaces and the White_Space property. */
    static boolean isSpace(int c) {
        return switch (c) {
            case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> c >= 0x2000 && c <= 0x200A;
        };
    }

    /** Go's strings.ToLower: the simple lower-case mapping of each code point. */
    static String toLower(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.toLowerCase(c)));
        return b.toString();
    }
}
