package dev.corral.doctor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads `systemctl show` output (Key=Value lines) and systemd's Environment= quoting. */
final class SystemdProperties {
    private SystemdProperties() {}

    static Map<String, String> parse(String show) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : show.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return out;
    }

    /**
     * Every value of a property systemctl prints once per entry (DeviceAllow= is an array of pairs:
     * "DeviceAllow=char-nvidia rw" on one line each).
     */
    static List<String> values(String show, String key) {
        List<String> out = new ArrayList<>();
        for (String line : show.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).trim().equals(key) && !line.substring(eq + 1).isBlank()) {
                out.add(line.substring(eq + 1).trim());
            }
        }
        return out;
    }

    /** Splits an Environment= value into NAME=VALUE words, honouring double and single quotes. */
    static Map<String, String> environment(String value) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String word : words(value)) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                env.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return env;
    }

    static List<String> words(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean any = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && i + 1 < value.length()) {
                    cur.append(value.charAt(++i));
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (any || cur.length() > 0) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    any = false;
                }
            } else {
                cur.append(c);
                any = true;
            }
        }
        if (any || cur.length() > 0) {
            out.add(cur.toString());
        }
        return out;
    }
}
