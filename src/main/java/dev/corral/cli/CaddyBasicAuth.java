package dev.corral.cli;

import dev.corral.access.BasicLogins;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the users of a Caddyfile's {@code basic_auth} blocks (also the older name {@code basicauth}):
 * <pre>
 * basic_auth [matcher] [bcrypt [realm]] {
 *     alice $2a$14$...
 * }
 * </pre>
 * Hashes are bcrypt, as {@code caddy hash-password} makes them, given as they are or base64-encoded
 * (older Caddy versions). Any other hash algorithm is refused, naming the line.
 */
final class CaddyBasicAuth {
    /** A user with its bcrypt hash, and the line it was on. */
    record User(String name, String bcrypt, int line) {}

    private CaddyBasicAuth() {}

    /** Every user of every basic_auth block, in order; the same user twice (with different hashes) is an error. */
    static List<User> users(String caddyfile, String source) {
        List<String> lines = caddyfile.lines().toList();
        Map<String, User> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            List<String> tokens = tokens(lines.get(i));
            int at = tokens.indexOf("basic_auth");
            if (at < 0) {
                at = tokens.indexOf("basicauth");
            }
            if (at < 0) {
                continue;
            }
            List<String> args = new ArrayList<>(tokens.subList(at + 1, tokens.size()));
            if (args.isEmpty() || !args.get(args.size() - 1).equals("{")) {
                throw new IllegalArgumentException(source + ", line " + (i + 1) + ": expected 'basic_auth ... {' with one"
                        + " user per line inside the block");
            }
            args.remove(args.size() - 1);
            if (!args.isEmpty() && (args.get(0).startsWith("/") || args.get(0).startsWith("@") || args.get(0).equals("*"))) {
                args.remove(0); // a matcher: which requests the block guarded, nothing Corral needs
            }
            if (!args.isEmpty() && !args.get(0).equalsIgnoreCase("bcrypt")) {
                throw new IllegalArgumentException(source + ", line " + (i + 1) + ": hash algorithm " + args.get(0)
                        + " is not supported; only bcrypt (Caddy's default) hashes can be imported");
            }
            for (i = i + 1; i < lines.size(); i++) {
                List<String> user = tokens(lines.get(i));
                if (user.isEmpty()) {
                    continue;
                }
                if (user.get(0).equals("}")) {
                    break;
                }
                if (user.size() != 2) {
                    throw new IllegalArgumentException(source + ", line " + (i + 1) + ": expected '<user> <bcrypt hash>'");
                }
                String hash = bcrypt(user.get(1));
                if (hash == null) {
                    throw new IllegalArgumentException(source + ", line " + (i + 1) + ": the hash of " + user.get(0)
                            + " is not bcrypt ($2a$/$2b$/$2y$, as caddy hash-password makes it)");
                }
                User prior = out.get(user.get(0));
                if (prior != null && !prior.bcrypt().equals(hash)) {
                    throw new IllegalArgumentException(source + ", line " + (i + 1) + ": user " + user.get(0)
                            + " has another hash on line " + prior.line() + "; keep one");
                }
                out.putIfAbsent(user.get(0), new User(user.get(0), hash, i + 1));
            }
        }
        return List.copyOf(out.values());
    }

    /** The bcrypt hash as given, or decoded from base64; null when it is neither. */
    static String bcrypt(String given) {
        if (BasicLogins.costOf(given) >= 0) {
            return given;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(given), StandardCharsets.US_ASCII);
            return BasicLogins.costOf(decoded) >= 0 ? decoded : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A line's tokens, a comment (from a '#' that starts a token) dropped. */
    private static List<String> tokens(String line) {
        List<String> out = new ArrayList<>();
        for (String t : line.strip().split("\\s+")) {
            if (t.startsWith("#")) {
                break;
            }
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }
}
