package dev.corral.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The scan agrees with the regular expression it replaces, on the names that matter and on random ones. */
class ModelNameSyntaxTest {
    private static final Pattern REGEX = Pattern.compile(
            "([A-Za-z0-9][A-Za-z0-9._-]*:[0-9]{1,5}/)?[A-Za-z0-9][A-Za-z0-9._/-]*(:[A-Za-z0-9][A-Za-z0-9._-]*)?");

    @Test
    void namesAsOllamaAndPolicyWriteThem() {
        for (String ok : new String[] {"llama3.2:3b", "llama3.2", "team/coder", "registry.ollama.ai/library/llama3.2:latest",
                "models.lan:5000/team/coder:1b", "a", "a:1/b", "a:12345/b:c", "x/y/z", "Q_1-2.3:T_4-5.6", "hf.co/u/m:Q4_K_M"}) {
            assertThat(ModelNameSyntax.valid(ok)).as(ok).isTrue();
            assertThat(REGEX.matcher(ok).matches()).as(ok).isTrue();
        }
        for (String bad : new String[] {"", ":", "a:", ":b", "a::b", "a:b:c", "a:b/c", "a:123456/b", "a:/b", "a:1/",
                "/a", "-a", "a:-b", "a b", "a\u00e9", "a:1/b:c:d", "a:1/:b", "a:12x/b", "\u0661", "a:1//b"}) {
            assertThat(ModelNameSyntax.valid(bad)).as(bad).isEqualTo(REGEX.matcher(bad).matches());
        }
    }

    @Test
    void agreesWithTheRegularExpressionOnRandomNames() {
        char[] alphabet = "aZ09._-/:: \u00e9".toCharArray();
        Random r = new Random(11);
        int valid = 0;
        for (int round = 0; round < 300_000; round++) {
            char[] c = new char[1 + r.nextInt(12)];
            for (int i = 0; i < c.length; i++) {
                c[i] = alphabet[r.nextInt(alphabet.length)];
            }
            String s = new String(c);
            boolean expected = REGEX.matcher(s).matches();
            assertThat(ModelNameSyntax.valid(s)).as("'%s'", s).isEqualTo(expected);
            valid += expected ? 1 : 0;
        }
        assertThat(valid).as("enough random names are valid for the comparison to mean something").isGreaterThan(5_000);
    }
}
