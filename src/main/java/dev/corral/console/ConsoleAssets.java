package dev.corral.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

/**
 * The console's files, read once from the jar: its page, script and style sheet, and uPlot from its
 * WebJar under a path that names the WebJar's version (so a browser may keep it for a year: a new
 * version is a new path). Nothing else on the class path is reachable.
 */
final class ConsoleAssets {
    /** A file to serve: its bytes, content type, and whether its path is versioned (long caching). */
    record Asset(byte[] bytes, String contentType, boolean immutable) {}

    private static final String UPLOT_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

    private final Map<String, Asset> byPath;

    private ConsoleAssets(Map<String, Asset> byPath) {
        this.byPath = byPath;
    }

    static ConsoleAssets load() {
        String uplot = webjarVersion();
        String webjar = "/console/webjars/uplot/" + uplot + "/dist/";
        String page = new String(read("dev/corral/console/index.html"), StandardCharsets.UTF_8).replace("{{uplot}}", webjar);
        return new ConsoleAssets(Map.of(
                "/console/", new Asset(page.getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8", false),
                "/console/app.js", new Asset(read("dev/corral/console/app.js"), "text/javascript; charset=utf-8", false),
                "/console/app.css", new Asset(read("dev/corral/console/app.css"), "text/css; charset=utf-8", false),
                webjar + "uPlot.iife.min.js", new Asset(read("META-INF/resources/webjars/uplot/" + uplot + "/dist/uPlot.iife.min.js"),
                        "text/javascript; charset=utf-8", true),
                webjar + "uPlot.min.css", new Asset(read("META-INF/resources/webjars/uplot/" + uplot + "/dist/uPlot.min.css"),
                        "text/css; charset=utf-8", true)));
    }

    /** The file at {@code path}, or null. */
    Asset get(String path) {
        return byPath.get(path);
    }

    private static String webjarVersion() {
        Properties p = new Properties();
        try (InputStream in = stream(UPLOT_POM)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    private static byte[] read(String resource) {
        try (InputStream in = stream(resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream stream(String resource) {
        InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("the console's file " + resource + " is not in the jar (a broken build)");
        }
        return in;
    }
}
