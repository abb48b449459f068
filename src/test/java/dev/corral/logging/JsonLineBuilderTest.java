package dev.corral.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The access log's line builder writes valid JSON for any string and any number, and ends each line once. */
class JsonLineBuilderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void numbersOfEveryMagnitudeAndSign() throws Exception {
        long[] values = {0, 7, -7, 10, 1234567890123L, Long.MAX_VALUE, Long.MIN_VALUE, -1};
        JsonLineBuilder b = new JsonLineBuilder().start();
        for (int i = 0; i < values.length; i++) {
            b.number("n" + i, values[i]);
        }
        JsonNode j = JSON.readTree(b.end().text());
        for (int i = 0; i < values.length; i++) {
            assertThat(j.get("n" + i).asLong()).isEqualTo(values[i]);
        }
    }

    @Test
    void stringsPlainOrNotReadBackAsThemselves() throws Exception {
        String[] values = {"", "plain ascii", "quote\"back\\slash", "ctl\u0000\u001f\n\r\t", "é😀\u2028</script>", "\u007f"};
        JsonLineBuilder b = new JsonLineBuilder().start();
        for (int i = 0; i < values.length; i++) {
            b.string("s" + i, values[i]);
        }
        b.string("none", null);
        b.end();
        String raw = new String(b.bytes(), 0, b.length(), StandardCharsets.UTF_8);
        assertThat(raw).endsWith("}\n").containsOnlyOnce("\n");
        JsonNode j = JSON.readTree(b.text());
        for (int i = 0; i < values.length; i++) {
            assertThat(j.get("s" + i).asText()).isEqualTo(values[i]);
        }
        assertThat(j.get("none").isNull()).isTrue();
    }

    @Test
    void eachStartBeginsAFreshLineAndAnEmptyObjectIsValid() throws Exception {
        JsonLineBuilder b = new JsonLineBuilder();
        b.start().string("a", "x".repeat(10_000)).end();
        b.trim();
        assertThat(b.start().end().text()).isEqualTo("{}");
        assertThat(JSON.readTree(b.start().number("k", 1).end().text()).get("k").asInt()).isEqualTo(1);
    }
}
