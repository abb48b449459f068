package dev.corral.sim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The simulator's model store: names with made-up but stable digests and sizes. Pull, copy and delete change it. */
final class SimModels {

    record Model(String name, String digest, long size, String family, String parameterSize, Instant modifiedAt,
                 boolean embedding) {}

    private final Map<String, Model> models = new LinkedHashMap<>();

    SimModels(List<String> names) {
        for (String n : names) {
            add(n);
        }
    }

    synchronized List<Model> all() {
        return new ArrayList<>(models.values());
    }

    synchronized Model find(String name) {
        return models.get(canonical(name));
    }

    synchronized Model add(String name) {
        String c = canonical(name);
        Model m = new Model(c, sha256(c), 1_000_000_000L + (Math.abs(c.hashCode()) % 4_000_000_000L),
                family(c), paramSize(c), Instant.parse("2026-08-01T12:00:00Z"), c.contains("embed"));
        models.put(c, m);
        return m;
    }

    /** A second name for the same manifest: same digest, size and details. */
    synchronized void copy(String source, String dest) {
        Model m = models.get(canonical(source));
        String c = canonical(dest);
        models.put(c, new Model(c, m.digest(), m.size(), m.family(), m.parameterSize(), m.modifiedAt(), m.embedding()));
    }

    synchronized boolean setDigest(String name, String digest) {
        Model m = models.get(canonical(name));
        if (m == null) {
            return false;
        }
        models.put(m.name(), new Model(m.name(), digest, m.size(), m.family(), m.parameterSize(), Instant.now(), m.embedding()));
        return true;
    }

    synchronized boolean remove(String name) {
        return models.remove(canonical(name)) != null;
    }

    synchronized boolean hasBlob(String digest) {
        for (Model m : models.values()) {
            if (("sha256:" + m.digest()).equals(digest)) {
                return true;
            }
        }
        return false;
    }

    /** "llama3" is "llama3:latest"; the default registry and namespace are implied. */
    static String canonical(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.startsWith("registry.ollama.ai/library/")) {
            n = n.substring("registry.ollama.ai/library/".length());
        }
        int slash = n.lastIndexOf('/');
        if (n.indexOf(':', slash + 1) < 0) {
            n = n + ":latest";
        }
        return n;
    }

    /** Ollama's name rules (types/model/name.go), as pull reads a name: host[:port]/namespace/model:tag. */
    static boolean validName(String name) {
        try {
            return name != null && dev.corral.access.ModelName.forPull(name).isValid();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String family(String n) {
        int i = 0;
        while (i < n.length() && Character.isLetter(n.charAt(i))) {
            i++;
        }
        return i == 0 ? "llama" : n.substring(0, i);
    }

    private static String paramSize(String n) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(":(\\d+(\\.\\d+)?)b").matcher(n);
        return m.find() ? m.group(1).toUpperCase(Locale.ROOT) + "B" : "7B";
    }
}
