package dev.corral.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The non-ASCII code points that fold onto field names: Go's (from scripts/go-oracle) and Java's, and no others. */
class GoFoldTest {

    static Map<Integer, Character> goFolds() throws IOException {
        Map<Integer, Character> out = new TreeMap<>();
        try (InputStream in = GoFoldTest.class.getResourceAsStream("/gojson/folds.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    String[] parts = line.split(" ");
                    out.put(Integer.parseInt(parts[0].substring(2), 16), parts[1].charAt(0));
                }
            }
        }
        return out;
    }

    static Map<Integer, Character> javaFolds() {
        Map<Integer, Character> out = new TreeMap<>();
        for (int cp = 0x80; cp <= Character.MAX_CODE_POINT; cp++) {
            for (int m : new int[] {Character.toLowerCase(cp), Character.toUpperCase(cp), Character.toTitleCase(cp)}) {
                if (m < 0x80 && Character.isLetter(m)) {
                    out.put(cp, (char) Character.toLowerCase(m));
                }
            }
        }
        return out;
    }

    @Test
    void everyCodePointGoOrJavaFoldsOntoAnAsciiLetterIsKnownAndNoOther() throws IOException {
        Map<Integer, Character> expected = new TreeMap<>(goFolds());
        expected.putAll(javaFolds());
        assertThat(goFolds()).containsEntry(0x17F, 's').containsEntry(0x212A, 'k');
        for (int cp = 0x80; cp <= Character.MAX_CODE_POINT; cp++) {
            Character want = expected.get(cp);
            assertThat(GoFold.asciiFoldOf(cp)).as("U+%04X", cp).isEqualTo(want == null ? -1 : (int) want);
        }
    }

    @Test
    void nonAsciiNamesThatCouldMeanAFieldAreAmbiguous() {
        GoStruct s = OllamaRequests.OPENAI_CHAT.struct();
        assertThat(s.ambiguous("stream_optıons")).isTrue();  // Java folds ı onto i, Go does not
        assertThat(s.ambiguous("ſtream")).isTrue();          // Go folds ſ onto s
        assertThat(s.ambiguous("max_to\u212Aens")).isTrue(); // Kelvin sign
        assertThat(s.ambiguous("maxtoķens")).isFalse();      // ķ folds onto nothing ASCII
        assertThat(s.ambiguous("modéł")).isFalse();
        assertThat(s.ambiguous("MODEL")).isFalse();          // ASCII: it simply matches
        assertThat(s.lookup("MODEL")).isEqualTo("model");
        assertThat(s.lookup("Stream_Options")).isEqualTo("stream_options");
        assertThat(s.lookup("max_completion_tokens")).isNull();
    }

    @Test
    void theV2DecodersDelimiterBlindMatchIsCoveredForNonAsciiNames() {
        assertThat(GoFold.couldFoldTo("ſtreamoptions", "stream_options")).isTrue();
        assertThat(GoFold.couldFoldTo("streamoptions", "stream_options")).isFalse(); // ASCII names: v1 rules only
    }
}
