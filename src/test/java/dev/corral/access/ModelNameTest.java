package dev.corral.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.ConfigException;
import dev.corral.config.ConfigLoader;
import dev.corral.config.Registries;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Model names read as Ollama reads them: src/test/resources/modelname/golden.jsonl holds 4000 names
 * parsed by Ollama's own types/model/name.go and internal/modelref (scripts/name-oracle.sh), as its
 * pull, show and copy handlers call them; {@link ModelName} must agree on every one. And the pull
 * policy built on it.
 */
class ModelNameTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> golden() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (InputStream in = ModelNameTest.class.getResourceAsStream("/modelname/golden.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                JsonNode n = JSON.readTree(line);
                if (n.has("in")) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    /** What Corral makes of a name, in the oracle's terms. */
    static String ours(Function<String, ModelName> parse, String in) {
        ModelName n;
        try {
            n = parse.apply(in);
        } catch (IllegalArgumentException e) {
            return "{\"ok\":false}";
        }
        if (!n.isValid()) {
            return "{\"ok\":false}";
        }
        var o = JSON.createObjectNode().put("ok", true).put("host", n.host()).put("namespace", n.namespace())
                .put("model", n.model()).put("tag", n.tag()).put("scheme", n.scheme());
        if (n.cloud()) {
            o.put("cloud", true);
        }
        return o.put("shortest", n.shortest()).toString();
    }

    @Test
    void everyNameParsesAsOllamaParsesItForPullShowAndCopy() throws IOException {
        List<JsonNode> all = golden();
        assertThat(all).hasSizeGreaterThanOrEqualTo(4000);
        List<String> differ = new ArrayList<>();
        for (JsonNode c : all) {
            String in = c.path("in").asText();
            compare(differ, in, "pull", c.path("pull"), ours(ModelName::forPull, in));
            compare(differ, in, "show", c.path("show"), ours(ModelName::forShow, in));
            compare(differ, in, "parse", c.path("parse"), ours(ModelName::parse, in));
        }
        assertThat(differ).as("names Corral reads differently from Ollama").isEmpty();
        assertThat(all).filteredOn(c -> c.path("pull").path("ok").asBoolean()).hasSizeGreaterThan(500);
        assertThat(all).filteredOn(c -> c.path("pull").path("cloud").asBoolean()).hasSizeGreaterThan(50);
    }

    private static void compare(List<String> differ, String in, String how, JsonNode theirs, String ours) throws IOException {
        JsonNode o = JSON.readTree(ours);
        if (!o.equals(theirs)) {
            differ.add(how + " " + JSON.writeValueAsString(in) + ": Ollama " + theirs + ", Corral " + o);
        }
    }

    @Test
    void everyNameOllamaRunsOnOllamaComIsCloudToPolicy() throws IOException {
        List<String> missed = new ArrayList<>();
        int cloud = 0;
        for (JsonNode c : golden()) {
            if (c.path("show").path("cloud").asBoolean() || c.path("pull").path("cloud").asBoolean()) {
                cloud++;
                if (!ModelNames.isCloud(c.path("in").asText())) {
                    missed.add(c.path("in").asText());
                }
            }
        }
        assertThat(cloud).isGreaterThan(50);
        assertThat(missed).as("cloud names the model policy would let through").isEmpty();
    }

    @Test
    void theFactsPolicyReliesOn() {
        ModelName cloud = ModelName.forPull(" gpt-oss:20b:cloud ");
        assertThat(cloud.cloud()).isTrue();
        assertThat(cloud.shortest()).as("Ollama pulls the legacy stub name").isEqualTo("gpt-oss:20b-cloud");
        assertThat(ModelName.forPull("qwen3:8b:local").shortest()).isEqualTo("qwen3:8b");
        ModelName hosted = ModelName.forPull("Models.Example.com:5000/team/coder");
        assertThat(hosted.registry()).isEqualTo("models.example.com:5000");
        assertThat(hosted.shortest()).isEqualTo("Models.Example.com:5000/team/coder:latest");
        assertThat(ModelName.forPull("HTTP://plain.lan/team/m").plainHttpScheme()).isTrue();
        assertThat(ModelName.forPull("llama3").registry()).isEqualTo("registry.ollama.ai");
        assertThatThrownBy(() -> ModelName.forPull("llama3@sha256:" + "0".repeat(64))).hasMessageContaining("invalid model name");
        assertThatThrownBy(() -> ModelName.forPull("x:cloud:local")).hasMessageContaining("not both");
        assertThatThrownBy(() -> ModelName.forPull("\u00a0")).hasMessageContaining("model is required");
    }

    static Registries registries(String list) {
        return new ConfigLoader(Map.of()).load(null, Map.of("policy.registries", list)).registries();
    }

    @Test
    void pullPolicyChecksCloudThenRegistryThenPlainHttp() {
        PullPolicy dflt = new PullPolicy(new ConfigLoader(Map.of()).load(null, Map.of()).registries(), false);
        assertThat(dflt.refusal(ModelName.forPull("llama3.2:3b"), false)).isNull();
        assertThat(dflt.refusal(ModelName.forPull("gpt-oss:120b-cloud"), false)).contains("cloud models are refused");
        assertThat(new PullPolicy(Registries.DEFAULT, true).refusal(ModelName.forPull("gpt-oss:120b-cloud"), false)).isNull();
        assertThat(dflt.refusal(ModelName.forPull("hf.co/user/model"), false))
                .isEqualTo("registry 'hf.co' is not allowed: pulls may reach only registry.ollama.ai (policy.registries)");
        assertThat(dflt.refusal(ModelName.forPull("llama3"), true)).contains("plain HTTP").contains("http://registry.ollama.ai");
        assertThat(dflt.refusal(ModelName.forPull("http://registry.ollama.ai/library/llama3"), false)).contains("plain HTTP");

        PullPolicy mine = new PullPolicy(registries("HF.co, http://Plain.LAN:8080"), false);
        assertThat(mine.refusal(ModelName.forPull("hf.co/user/model"), false)).isNull();
        assertThat(mine.refusal(ModelName.forPull("llama3"), false)).contains("pulls may reach only hf.co, http://plain.lan:8080");
        assertThat(mine.refusal(ModelName.forPull("hf.co/user/model"), true)).contains("plain HTTP");
        assertThat(mine.refusal(ModelName.forPull("plain.lan:8080/team/m"), true)).isNull();
        assertThat(mine.refusal(ModelName.forPull("plain.lan/team/m"), true)).as("another port, another registry").contains("not allowed");
        assertThat(new PullPolicy(registries(""), false).refusal(ModelName.forPull("llama3"), false))
                .contains("none (policy.registries is empty)");
    }

    @Test
    void aRegistryEntryThatIsNotAHostIsAConfigError() {
        for (String bad : List.of("https://example.com/path", "user@example.com", "*.example.com", "ftp://example.com")) {
            assertThatThrownBy(() -> registries(bad)).as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("policy.registries[0]").hasMessageContaining("is not a registry host");
        }
        assertThat(new ConfigLoader(Map.of("CORRAL_POLICY_REGISTRIES", "registry.ollama.ai,hf.co")).load(null, Map.of())
                .registries().hosts()).containsExactly("registry.ollama.ai", "hf.co");
    }
}
