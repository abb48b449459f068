package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.store.KeyLimits;
import dev.corral.store.Scope;
import dev.corral.testing.TestGateway;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What /api/show and /api/ps disclose, per key: a summary by default for show, full on request; ps without VRAM and expiry. */
class DisclosureTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestGateway gw;
    static Path config;

    @BeforeAll
    static void start() throws Exception {
        config = Files.createTempFile("corral-disclosure-", ".yaml");
        Files.writeString(config, """
                policy:
                  key_options:
                    inspector: {show: full}
                    quiet: {ps: summary}
                """);
        gw = TestGateway.start(config, Map.of(), SimConfig.defaults(new HostPort("127.0.0.1", 0)), Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        Files.deleteIfExists(config);
    }

    @Test
    void showIsASummaryUnlessTheKeyMaySeeItAll() throws Exception {
        String body = "{\"model\":\"llama3.2:3b\"}";
        JsonNode summary = JSON.readTree(gw.post("/api/show", gw.key("anyone", KeyLimits.DEFAULTS), body).body());
        assertThat(names(summary)).containsExactlyInAnyOrder("details", "capabilities", "modified_at");
        assertThat(summary.path("details").path("family").asText()).isEqualTo("llama");
        HttpResponse<String> full = gw.post("/api/show", gw.key("inspector", KeyLimits.DEFAULTS), body);
        assertThat(names(JSON.readTree(full.body()))).contains("modelfile", "template", "parameters", "license", "model_info");
    }

    @Test
    void psCanHideVramAndExpiryAlsoForAKeyWithAModelList() throws Exception {
        JsonNode full = JSON.readTree(gw.get("/api/ps", gw.key("anyone", KeyLimits.DEFAULTS)).body());
        assertThat(names(full.path("models").get(0))).contains("size_vram", "expires_at");
        JsonNode quiet = JSON.readTree(gw.get("/api/ps", gw.key("quiet", KeyLimits.DEFAULTS)).body());
        assertThat(quiet.path("models")).hasSize(1);
        assertThat(names(quiet.path("models").get(0))).contains("name", "size", "digest").doesNotContain("size_vram", "expires_at");
        String limited = gw.key("quiet", EnumSet.of(Scope.INFERENCE), List.of("qwen*"), null);
        assertThat(JSON.readTree(gw.get("/api/ps", limited).body()).path("models")).isEmpty();
    }

    private static List<String> names(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
