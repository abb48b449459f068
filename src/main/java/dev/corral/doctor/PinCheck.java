package dev.corral.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.access.PinPolicy;
import dev.corral.config.ConfigException;
import dev.corral.config.ConfigLoader;
import dev.corral.config.Pins;
import dev.corral.config.Settings;
import dev.corral.store.PinFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * 9. Pinned models, when a Corral config is given: Ollama's models (its /api/tags, at the config's
 * upstream.url) against policy.pins and the pins `corral models pin` recorded: a model whose digest
 * is not its pin fails (Corral refuses it), a model with no pin warns (a re-pull could change it
 * unnoticed).
 */
public final class PinCheck implements Check {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public List<Finding> run(Host host, DoctorOptions options) {
        if (options.corralConfig() == null) {
            return List.of();
        }
        Settings s;
        try {
            s = new ConfigLoader(Map.of()).load(options.corralConfig(), Map.of());
        } catch (ConfigException e) {
            return List.of(); // CorralConfigCheck reports it
        }
        Pins pins = s.pins();
        if (java.nio.file.Files.exists(s.stateDir().resolve(PinFile.FILE_NAME))) {
            pins = pins.merged(PinFile.open(s.stateDir()).pins());
        }
        Map<String, String> tags;
        try {
            tags = tags(s.upstream().url());
        } catch (Exception e) {
            String why = "Ollama's model list at " + s.upstream().url() + " could not be read (" + e.getMessage() + ")";
            return List.of(Finding.skip("corral.models.drift", "Pinned models have their pinned digest", why),
                    Finding.skip("corral.models.pinned", "Every model is pinned", why));
        }
        return findings(pins, tags);
    }

    /** The findings for these pins and Ollama's models (name → digest). */
    static List<Finding> findings(Pins pins, Map<String, String> tags) {
        List<Finding> out = new ArrayList<>();
        Map<String, String> drifted = PinPolicy.drifted(pins, tags);
        Map<String, String> expected = new LinkedHashMap<>();
        pins.digests().forEach((name, digest) -> expected.put(PinPolicy.key(name), digest));
        String driftTitle = "Pinned models have their pinned digest";
        if (drifted.isEmpty()) {
            out.add(Finding.pass("corral.models.drift", driftTitle, pins.digests().size() + " pinned model(s) match"));
        } else {
            List<String> said = new ArrayList<>();
            drifted.forEach((model, actual) -> said.add(model + " is pinned to " + expected.get(model) + " but Ollama has "
                    + (actual.isEmpty() ? "no such model" : actual)));
            out.add(Finding.fail("corral.models.drift", driftTitle, String.join("; ", said) + "; Corral refuses them",
                    "find out why they changed (a re-pull after a registry incident?); if the new ones are trusted:"
                            + " corral models pin NAME"));
        }
        List<String> unpinned = new ArrayList<>();
        for (String name : tags.keySet()) {
            if (!expected.containsKey(PinPolicy.key(name))) {
                unpinned.add(name);
            }
        }
        String pinnedTitle = "Every model is pinned";
        out.add(unpinned.isEmpty()
                ? Finding.pass("corral.models.pinned", pinnedTitle, tags.size() + " model(s), all pinned")
                : Finding.warn("corral.models.pinned", pinnedTitle, "not pinned: " + String.join(", ", unpinned)
                        + " (a re-pull could change them unnoticed)", "corral models pin NAME, for each"));
        return out;
    }

    private static Map<String, String> tags(URI upstream) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
                .proxy(HttpClient.Builder.NO_PROXY).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(upstream.toString().replaceAll("/$", "")
                + "/api/tags")).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new java.io.IOException("HTTP " + r.statusCode());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode m : JSON.readTree(r.body()).path("models")) {
            out.put(m.path("name").asText(m.path("model").asText("")), m.path("digest").asText(""));
        }
        return out;
    }
}
