package dev.corral.access;

import java.util.Locale;

/**
 * Ollama model-name facts policy depends on. Names are host/namespace/model:tag with defaults
 * registry.ollama.ai, library and latest, compared case-insensitively.
 */
public final class ModelNames {
    private static final String DEFAULT_PREFIX = "registry.ollama.ai/library/";

    private ModelNames() {}

    /** The short form policy matches on: default registry and namespace dropped, lower case, tag kept as given. */
    public static String normalize(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.startsWith(DEFAULT_PREFIX)) {
            n = n.substring(DEFAULT_PREFIX.length());
        } else if (n.startsWith("library/")) {
            n = n.substring("library/".length());
        }
        return n;
    }

    /** The name with its implied ":latest" tag when it has none. */
    public static String withTag(String normalized) {
        int slash = normalized.lastIndexOf('/');
        return normalized.indexOf(':', slash + 1) < 0 ? normalized + ":latest" : normalized;
    }

    /**
     * True for models Ollama forwards to ollama.com under the owner's account: the tag is "cloud" or
     * ends in "-cloud" (e.g. "gpt-oss:120b-cloud"), or the name carries Ollama's ":cloud" source
     * suffix read as internal/modelref reads it ("gpt-oss:20b:cloud", "x:CLOUD" with Go's white
     * space around it). Valid or not: a name Ollama would refuse anyway is still called cloud here
     * when either reading says so.
     */
    public static boolean isCloud(String name) {
        if (ModelName.hasCloudSuffix(name)) {
            return true;
        }
        String n = normalize(name);
        int slash = n.lastIndexOf('/');
        int colon = n.indexOf(':', slash + 1);
        if (colon < 0) {
            return false;
        }
        String tag = n.substring(colon + 1);
        return tag.equals("cloud") || tag.endsWith("-cloud");
    }
}
