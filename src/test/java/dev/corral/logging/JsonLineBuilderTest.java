package dev.corral.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The line builder of the access log and the usage journal writes valid JSON for any string and any
 * number, ends each line once, keeps ASCII-only lines ASCII and puts several lines in one buffer.
 */
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

    @Test
    void asciiOnlyLinesHoldNoByteAboveAsciiAndReadBackTheSame() throws Exception {
        String[] values = {"plain", "quote\"back\\slash", "ctl\u0000\u001f\n", "é😀\u2028", "\u007f"};
        JsonLineBuilder b = JsonLineBuilder.asciiOnly().start();
        for (int i = 0; i < values.length; i++) {
            b.string("s" + i, values[i]);
        }
        b.end();
        for (int i = 0; i < b.length(); i++) {
            assertThat(b.bytes()[i] & 0xff).as("byte %d", i).isBetween(0x0a, 0x7e);
        }
        assertThat(b.text()).contains("\\u00e9").contains("\\ud83d\\ude00").contains("\\u007f");
        JsonNode j = JSON.readTree(b.text());
        for (int i = 0; i < values.length; i++) {
            assertThat(j.get("s" + i).asText()).isEqualTo(values[i]);
        }
    }

    @Test
    void openAddsALineAfterThoseInTheBufferAndClearEmptiesIt() throws Exception {
        JsonLineBuilder b = new JsonLineBuilder().start().number("a", 1).end().open().number("b", 2).end();
        String raw = new String(b.bytes(), 0, b.length(), StandardCharsets.UTF_8);
        assertThat(raw).isEqualTo("{\"a\":1}\n{\"b\":2}\n");
        assertThat(b.clear().length()).isZero();
    }
}
