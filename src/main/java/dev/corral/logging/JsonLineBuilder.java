package dev.corral.logging;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds JSON objects, one a line, as bytes, field by field, in a buffer its thread reuses: the
 * access log's line goes from the event loop to the log writer, and the usage journal's lines to
 * their file, with no String, no tree and no re-encoding in between. Strings that are plain ASCII
 * (ids, routes, most paths and model names) are copied as they are; any other is escaped by Jackson
 * as the rest of the logs are (UTF-8), or, for lines that must stay ASCII ({@link #asciiOnly}), with
 * {@code \\uXXXX} escapes.
 */
public final class JsonLineBuilder {
    private static final JsonStringEncoder ESCAPE = JsonStringEncoder.getInstance();
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** A buffer grown past this (one huge line, or many lines of one batch) is let go after it. */
    private static final int KEEP = 16 * 1024;

    private final boolean asciiOnly;
    private byte[] buf = new byte[512];
    private int len;

    /** Lines in UTF-8, escaped as Jackson escapes. */
    public JsonLineBuilder() {
        this(false);
    }

    private JsonLineBuilder(boolean asciiOnly) {
        this.asciiOnly = asciiOnly;
    }

    /** Lines in ASCII only: control characters and everything past ASCII as {@code \\uXXXX} (a surrogate pair as two). */
    public static JsonLineBuilder asciiOnly() {
        return new JsonLineBuilder(true);
    }

    /** Empties the buffer and starts a new object. */
    public JsonLineBuilder start() {
        return clear().open();
    }

    /** Empties the buffer. */
    public JsonLineBuilder clear() {
        len = 0;
        return this;
    }

    /** Starts a new object after the lines already in the buffer. */
    public JsonLineBuilder open() {
        put((byte) '{');
        return this;
    }

    public JsonLineBuilder string(String name, String value) {
        name(name);
        if (value == null) {
            put(NULL);
        } else {
            put((byte) '"');
            if (plain(value)) {
                ascii(value);
            } else if (asciiOnly) {
                escapeAscii(value);
            } else {
                put(ESCAPE.quoteAsUTF8(value));
            }
            put((byte) '"');
        }
        put((byte) ',');
        return this;
    }

    public JsonLineBuilder number(String name, long value) {
        name(name);
        if (value < 0) {
            put((byte) '-');
            if (value == Long.MIN_VALUE) {
                ascii("9223372036854775808");
                put((byte) ',');
                return this;
            }
            value = -value;
        }
        int start = len;
        do {
            put((byte) ('0' + value % 10));
            value /= 10;
        } while (value > 0);
        for (int i = start, j = len - 1; i < j; i++, j--) { // the digits came out backwards
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
        put((byte) ',');
        return this;
    }

    /** Ends the object (in place of the last field's comma) and its line; the bytes are valid until the next {@link #start} or {@link #clear}. */
    public JsonLineBuilder end() {
        if (buf[len - 1] == ',') {
            buf[len - 1] = '}';
        } else {
            put((byte) '}');
        }
        put((byte) '\n');
        return this;
    }

    public byte[] bytes() {
        return buf;
    }

    public int length() {
        return len;
    }

    /** The text, without its last newline, as a String (tests, and loggers other than Corral's own). */
    public String text() {
        return new String(buf, 0, len > 0 && buf[len - 1] == '\n' ? len - 1 : len, StandardCharsets.UTF_8);
    }

    /** Lets a buffer that one long line grew go, so one such line does not hold memory for good. */
    public void trim() {
        if (buf.length > KEEP) {
            buf = new byte[512];
        }
    }

    private void name(String name) {
        put((byte) '"');
        ascii(name);
        put((byte) '"');
        put((byte) ':');
    }

    private void escapeAscii(String s) {
        room(s.length() * 6);
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                buf[len++] = (byte) c;
            } else if (c == '"' || c == '\\') {
                buf[len++] = '\\';
                buf[len++] = (byte) c;
            } else {
                buf[len++] = '\\';
                buf[len++] = 'u';
                buf[len++] = HEX[(c >> 12) & 0xf];
                buf[len++] = HEX[(c >> 8) & 0xf];
                buf[len++] = HEX[(c >> 4) & 0xf];
                buf[len++] = HEX[c & 0xf];
            }
        }
    }

    /** Printable ASCII that JSON needs no escape for. */
    static boolean plain(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /**
     * Copies a string known to be ASCII. String's own byte copy (deprecated for non-Latin-1 text,
     * which this never is) is one array copy for a Latin-1 string, where a loop is a call per char.
     */
    @SuppressWarnings("deprecation")
    private void ascii(String s) {
        int n = s.length();
        room(n);
        s.getBytes(0, n, buf, len);
        len += n;
    }

    private void put(byte b) {
        room(1);
        buf[len++] = b;
    }

    private void put(byte[] b) {
        room(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    private void room(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }
}
