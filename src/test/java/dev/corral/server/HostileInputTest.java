package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.RawClient;
import dev.corral.testing.TestGateway;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The hostile-input battery (src/test/resources/hostile/cases.jsonl, written by
 * scripts/hostile-cases.py) replayed over raw sockets: each case's statuses in order, the
 * connection closed where framing is in doubt, and nothing reaching Ollama unless the case says so.
 */
class HostileInputTest {
    static TestGateway gw;
    static String key;
    static String tpmKey;

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start(Map.of("limits.max_body_bytes", "64KiB", "admission.failed_auth_burst", "1000000"),
                SimConfig.defaults(new HostPort("127.0.0.1", 0)));
        key = gw.inferenceKey();
        tpmKey = gw.key("tpm", new dev.corral.store.KeyLimits(null, 3000L, null, null, null, null));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static List<JsonNode> cases() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        ObjectMapper m = new ObjectMapper();
        try (InputStream in = HostileInputTest.class.getResourceAsStream("/hostile/cases.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(m.readTree(line));
                }
            }
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyHostileRequestIsAnsweredAsExpected() throws IOException {
        List<JsonNode> all = cases();
        assertThat(all).hasSizeGreaterThanOrEqualTo(200);
        return all.stream().map(c -> DynamicTest.dynamicTest(c.path("name").asText(), () -> replay(c)));
    }

    static void replay(JsonNode c) throws Exception {
        gw.seen().clear();
        byte[] bytes = c.path("send").asText().replace("{KEY}", key).replace("{TPM_KEY}", tpmKey).getBytes(StandardCharsets.ISO_8859_1);
        List<Integer> got = new ArrayList<>();
        boolean closed;
        try (RawClient client = gw.raw()) {
            client.socket().setSoTimeout(5000);
            try {
                client.send(bytes);
            } catch (IOException e) {
                // the server may close before reading everything (oversize): its answer is still readable
            }
            for (JsonNode expected : c.path("statuses")) {
                try {
                    got.add(c.path("head").asBoolean() ? client.readHead().status() : client.read().status());
                } catch (IOException e) {
                    break;
                }
            }
            closed = c.path("close").asBoolean() ? client.closedByServer() : false;
        }
        List<Integer> want = new ArrayList<>();
        c.path("statuses").forEach(s -> want.add(s.asInt()));
        assertThat(got).as("statuses for: %s", c.path("name").asText()).isEqualTo(want);
        if (c.path("close").asBoolean()) {
            assertThat(closed).as("connection closed after: %s", c.path("name").asText()).isTrue();
        }
        if (!c.path("upstream").asBoolean()) {
            assertThat(gw.seen().requests()).as("requests that reached Ollama for: %s", c.path("name").asText()).isEmpty();
        }
    }
}
