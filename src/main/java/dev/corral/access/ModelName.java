package dev.corral.access;

import java.util.Locale;

/**
 * A model name parsed exactly as Ollama parses it (types/model/name.go ParseName, and
 * internal/modelref for the ":cloud" / ":local" source suffixes; Ollama's source, August 2026):
 * {@code [scheme://][host/][namespace/]model[:tag]}, defaults registry.ollama.ai, library, latest.
 * A name is valid only when every part is: host {@code [A-Za-z0-9_][A-Za-z0-9_.:-]*} (1-350),
 * namespace {@code [A-Za-z0-9_][A-Za-z0-9_-]*}, model and tag {@code [A-Za-z0-9_][A-Za-z0-9_.-]*}
 * (1-80 each). There is no digest: {@code name@sha256:...} is invalid to Ollama, as here.
 *
 * @param scheme the protocol before "://" as written, or "https" when none was
 * @param cloud  true when the name asks Ollama to run it on ollama.com (":cloud", "-cloud")
 */
public record ModelName(String scheme, String host, String namespace, String model, String tag, boolean cloud) {
    public static final String DEFAULT_HOST = "registry.ollama.ai";
    static final String DEFAULT_NAMESPACE = "library";
    static final String MISSING = "!MISSING!";

    /**
     * The name a pull (or delete) acts on: Ollama's parseNormalizePullModelRef. Surrounding white
     * space is trimmed as Go's TrimSpace does; "gpt-oss:20b:cloud" becomes "gpt-oss:20b-cloud" and
     * "x:local" becomes "x".
     *
     * @throws IllegalArgumentException with Ollama's reason when Ollama would refuse the name
     */
    public static ModelName forPull(String raw) {
        Ref ref = ref(raw);
        String base = ref.base;
        if (ref.source == Source.CLOUD) {
            base = hasExplicitTag(base) ? base + "-cloud" : base + ":cloud";
        }
        ModelName n = parse(base);
        if (!n.isValid()) {
            throw new IllegalArgumentException("invalid model name '" + raw.strip() + "'");
        }
        return n.withCloud(ref.source == Source.CLOUD);
    }

    /**
     * The name /api/show (and inference) resolves: Ollama's parseAndValidateModelRef. A cloud
     * name keeps its base ("gpt-oss:20b:cloud" is gpt-oss:20b, run on ollama.com).
     */
    public static ModelName forShow(String raw) {
        Ref ref = ref(raw);
        ModelName n = parse(ref.base);
        if (!n.isValid()) {
            throw new IllegalArgumentException("invalid model name '" + raw.strip() + "'");
        }
        return n.withCloud(ref.source == Source.CLOUD);
    }

    /** Ollama's model.ParseName: no trimming and no source suffix (what /api/copy uses). Check {@link #isValid}. */
    public static ModelName parse(String s) {
        String scheme = null;
        String host = null;
        String namespace = null;
        String tag = null;
        // "/" is not a tag character, so a ':' after the last '/' starts the tag.
        if (s.lastIndexOf(':') > s.lastIndexOf('/')) {
            int i = s.lastIndexOf(':');
            tag = orMissing(s.substring(i + 1));
            s = orMissing(s.substring(0, i));
        }
        String model;
        int slash = s.lastIndexOf('/');
        if (slash < 0) {
            model = s;
        } else {
            model = orMissing(s.substring(slash + 1));
            s = orMissing(s.substring(0, slash));
            slash = s.lastIndexOf('/');
            if (slash < 0) {
                namespace = s;
            } else {
                namespace = orMissing(s.substring(slash + 1));
                s = orMissing(s.substring(0, slash));
                int sep = s.indexOf("://");
                if (sep >= 0) {
                    scheme = s.substring(0, sep);
                    host = s.substring(sep + 3);
                } else {
                    host = s;
                }
            }
        }
        return new ModelName(or(scheme, "https"), or(host, DEFAULT_HOST), or(namespace, DEFAULT_NAMESPACE), model,
                or(tag, "latest"), false);
    }

    /** Ollama's IsValid (IsFullyQualified): every part present and well formed. */
    public boolean isValid() {
        return validPart(Part.HOST, host) && validPart(Part.NAMESPACE, namespace) && validPart(Part.MODEL, model)
                && validPart(Part.TAG, tag);
    }

    /** The registry host as policy compares it: lower case, with its port when the name gives one. */
    public String registry() {
        return host.toLowerCase(Locale.ROOT);
    }

    /** True when the name itself asks for plain HTTP ("http://host/ns/model"). */
    public boolean plainHttpScheme() {
        return scheme.equalsIgnoreCase("http");
    }

    /**
     * The shortest form, as Ollama shows it (DisplayShortest): host and namespace only when they are
     * not the defaults, tag always. This is what Ollama's pull handler passes on, so the scheme is
     * dropped there.
     */
    public String shortest() {
        StringBuilder b = new StringBuilder();
        if (!host.equalsIgnoreCase(DEFAULT_HOST)) {
            b.append(host).append('/').append(namespace).append('/');
        } else if (!namespace.equalsIgnoreCase(DEFAULT_NAMESPACE)) {
            b.append(namespace).append('/');
        }
        return b.append(model).append(':').append(tag).toString();
    }

    /** host/namespace/model:tag. */
    public String full() {
        return host + "/" + namespace + "/" + model + ":" + tag;
    }

    private ModelName withCloud(boolean c) {
        return new ModelName(scheme, host, namespace, model, tag, c);
    }

    /** Whether internal/modelref would read an explicit cloud source from this name (its validity aside). */
    static boolean hasCloudSuffix(String raw) {
        String s = GoText.trimSpace(raw == null ? "" : raw);
        return sourceSuffix(s).source == Source.CLOUD;
    }

    private enum Source { UNSPECIFIED, LOCAL, CLOUD }

    private record Ref(String base, Source source) {}

    /** internal/modelref ParseRef: trims, reads an explicit source suffix; two suffixes conflict. */
    private static Ref ref(String raw) {
        String s = GoText.trimSpace(raw == null ? "" : raw);
        if (s.isEmpty()) {
            throw new IllegalArgumentException("model is required");
        }
        Ref r = sourceSuffix(s);
        if (r.source != Source.UNSPECIFIED && sourceSuffix(r.base).source != Source.UNSPECIFIED) {
            throw new IllegalArgumentException("use either :local or :cloud, not both: '" + s + "'");
        }
        return r;
    }

    private static Ref sourceSuffix(String raw) {
        int i = raw.lastIndexOf(':');
        if (i >= 0) {
            String suffixRaw = GoText.trimSpace(raw.substring(i + 1));
            String suffix = GoText.toLower(suffixRaw);
            if (suffix.equals("cloud")) {
                return new Ref(raw.substring(0, i), Source.CLOUD);
            }
            if (suffix.equals("local")) {
                return new Ref(raw.substring(0, i), Source.LOCAL);
            }
            if (!suffixRaw.contains("/") && suffix.endsWith("-cloud")) {
                return new Ref(raw.substring(0, i + 1) + suffixRaw.substring(0, suffixRaw.length() - "-cloud".length()),
                        Source.CLOUD);
            }
        }
        return new Ref(raw, Source.UNSPECIFIED);
    }

    /** A ':' after the last '/': "registry.example.com:5000/model" has no tag. */
    private static boolean hasExplicitTag(String name) {
        return name.lastIndexOf(':') > name.lastIndexOf('/');
    }

    private enum Part { HOST, NAMESPACE, MODEL, TAG }

    private static boolean validPart(Part kind, String s) {
        int max = kind == Part.HOST ? 350 : 80;
        if (s == null || s.isEmpty() || s.length() > max) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alnum = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_';
            if (i == 0 ? !alnum : !(alnum || c == '-' || c == '.' && kind != Part.NAMESPACE || c == ':' && kind == Part.HOST)) {
                return false;
            }
        }
        return true;
    }

    private static String orMissing(String s) {
        return s.isEmpty() ? MISSING : s;
    }

    private static String or(String s, String dflt) {
        return s == null || s.isEmpty() ? dflt : s;
    }
}
