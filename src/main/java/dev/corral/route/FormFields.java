package dev.corral.route;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the text fields of a multipart/form-data body (OpenAI's /v1/audio/transcriptions) the way
 * Ollama's {@code Request.FormValue} would see them, or refuses the body when it is not in the plain
 * form every client sends. Go's mime/multipart is lenient in ways a second parser would not match
 * (preambles, transport padding, quoted-printable parts, RFC 2231 parameters, folded headers), so
 * Corral accepts only: CRLF lines, no preamble, one Content-Disposition per part with unescaped
 * quoted or token parameters, no Content-Transfer-Encoding on text fields, ASCII headers.
 *
 * <p>{@code FormValue} looks at the query string before the form, so a {@code model} query
 * parameter is refused too ({@link #queryNames}).
 */
public final class FormFields {
    private static final int MAX_PARTS = 1000;

    private FormFields() {}

    /** Text fields by exact name, values in order. File parts (with a filename) are not included. */
    public static Map<String, List<String>> read(String contentType, ByteBuf body) throws GoJson.Refused {
        String boundary = boundary(contentType);
        byte[] b = new byte[body.readableBytes()];
        body.getBytes(body.readerIndex(), b);
        byte[] dash = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
        byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
        if (!startsWith(b, 0, dash)) {
            throw bad("the multipart body must start with its boundary");
        }
        int pos = dash.length;
        Map<String, List<String>> fields = new LinkedHashMap<>();
        for (int parts = 0; ; parts++) {
            if (startsWith(b, pos, "--".getBytes(StandardCharsets.US_ASCII))) {
                int rest = pos + 2;
                if (rest == b.length || (rest + 2 == b.length && b[rest] == '\r' && b[rest + 1] == '\n')) {
                    return fields;
                }
                throw bad("data after the closing boundary");
            }
            if (parts >= MAX_PARTS) {
                throw bad("too many parts");
            }
            if (!startsWith(b, pos, new byte[] {'\r', '\n'})) {
                throw bad("a boundary line must end with CRLF");
            }
            pos += 2;
            if (startsWith(b, pos, new byte[] {'\r', '\n'})) {
                throw bad("a part has no headers");
            }
            int headersEnd = indexOf(b, pos, new byte[] {'\r', '\n', '\r', '\n'});
            Map<String, String> params = null;
            boolean encoded = false;
            if (headersEnd < 0) {
                throw bad("a part's headers do not end");
            }
            for (String line : new String(b, pos, headersEnd - pos, StandardCharsets.ISO_8859_1).split("\r\n", -1)) {
                int colon = line.indexOf(':');
                if (colon <= 0 || !isToken(line.substring(0, colon)) || !isAsciiText(line)) {
                    throw bad("a part header is malformed");
                }
                String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
                String value = line.substring(colon + 1).trim();
                if (name.equals("content-disposition")) {
                    if (params != null) {
                        throw bad("a part has two Content-Disposition headers");
                    }
                    params = disposition(value);
                } else if (name.equals("content-transfer-encoding")) {
                    encoded = true;
                }
            }
            int dataStart = headersEnd + 4;
            int dataEnd = indexOf(b, dataStart, delimiter);
            if (dataEnd < 0) {
                throw bad("the closing boundary is missing");
            }
            if (params == null) {
                throw bad("a part has no Content-Disposition");
            }
            String name = params.get("name");
            if (name != null && !params.containsKey("filename")) {
                if (encoded) {
                    throw bad("Content-Transfer-Encoding on a form field is not accepted");
                }
                fields.computeIfAbsent(name, k -> new ArrayList<>())
                        .add(new String(b, dataStart, dataEnd - dataStart, StandardCharsets.UTF_8));
            }
            pos = dataEnd + delimiter.length;
        }
    }

    /**
     * The decoded names of a query string, as Go's url.ParseQuery reads them ('+' is a space, %XX
     * decoded); a query Go would reject (a ';', a bad escape) is refused, since Ollama answers 400.
     */
    public static List<String> queryNames(String rawQuery) throws GoJson.Refused {
        List<String> names = new ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return names;
        }
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.indexOf(';') >= 0) {
                throw new GoJson.Refused("query_invalid", "invalid semicolon separator in query");
            }
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            names.add(unescape(eq < 0 ? pair : pair.substring(0, eq)));
        }
        return names;
    }

    private static String unescape(String s) throws GoJson.Refused {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                out.write(' ');
            } else if (c == '%') {
                int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw new GoJson.Refused("query_invalid", "invalid URL escape in the query");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String boundary(String contentType) throws GoJson.Refused {
        if (contentType == null) {
            throw unsupported();
        }
        int semi = contentType.indexOf(';');
        String type = (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        if (!type.equals("multipart/form-data") || semi < 0) {
            throw unsupported();
        }
        Map<String, String> params = params(contentType.substring(semi));
        String boundary = params.get("boundary");
        if (boundary == null || boundary.isEmpty() || boundary.length() > 200 || params.size() != 1) {
            throw bad("the Content-Type needs exactly one boundary parameter");
        }
        return boundary;
    }

    private static Map<String, String> disposition(String value) throws GoJson.Refused {
        int semi = value.indexOf(';');
        String type = (semi < 0 ? value : value.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        if (!type.equals("form-data")) {
            throw bad("a part's Content-Disposition is not form-data");
        }
        return semi < 0 ? Map.of() : params(value.substring(semi));
    }

    /** "; a=b; c=\"d\"" → {a=b, c=d}; keys lower-cased, no duplicates, no RFC 2231 forms, no escapes. */
    private static Map<String, String> params(String s) throws GoJson.Refused {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        while (i < s.length()) {
            if (s.charAt(i) != ';') {
                throw bad("malformed parameters");
            }
            i++;
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
            int eq = s.indexOf('=', i);
            if (eq < 0) {
                throw bad("malformed parameters");
            }
            String key = s.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            if (!isToken(key) || key.indexOf('*') >= 0) {
                throw bad("malformed parameters");
            }
            i = eq + 1;
            String val;
            if (i < s.length() && s.charAt(i) == '"') {
                int close = s.indexOf('"', i + 1);
                if (close < 0) {
                    throw bad("malformed parameters");
                }
                val = s.substring(i + 1, close);
                if (val.indexOf('\\') >= 0) {
                    throw bad("escaped parameter values are not accepted");
                }
                i = close + 1;
            } else {
                int end = i;
                while (end < s.length() && s.charAt(end) != ';' && s.charAt(end) != ' ' && s.charAt(end) != '\t') {
                    end++;
                }
                val = s.substring(i, end);
                if (!isToken(val)) {
                    throw bad("malformed parameters");
                }
                i = end;
            }
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
            if (out.put(key, val) != null) {
                throw bad("duplicate parameter " + key);
            }
        }
        return out;
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at + prefix.length > b.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, int from, byte[] needle) {
        outer:
        for (int i = from; i + needle.length <= b.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (b[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static GoJson.Refused bad(String why) {
        return new GoJson.Refused("body_invalid", "the multipart body cannot be read unambiguously: " + why);
    }

    private static GoJson.Refused unsupported() {
        return new GoJson.Refused("body_not_multipart", "this route takes multipart/form-data with a model field");
    }
}
