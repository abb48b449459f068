package dev.corral.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Host check reads host[:port] exactly as the grammar it was first written as (a regular expression) reads it. */
class FramingRulesTest {
    /** The grammar, as a regular expression: the oracle the hand-written check must agree with. */
    private static final Pattern HOST =
            Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(:[0-9]{1,5})?");

    private static boolean oracle(String h) {
        String v = h.trim();
        return v.isEmpty() || HOST.matcher(v).matches();
    }

    @Test
    void acceptsNamesAddressesAndPorts() {
        for (String ok : new String[] {"localhost", "localhost:11434", "gw.example.com", "127.0.0.1:8080", "[::1]",
                "[::1]:443", "[2001:db8::1]", "a", "x:1", "x:65535", "x:99999", "host%20x", " padded ", ""}) {
            assertThat(FramingRules.validHost(ok)).as(ok).isTrue();
        }
    }

    @Test
    void refusesUserinfoPathsSpacesAndBadPorts() {
        for (String bad : new String[] {"user@host", "host/path", "a b", "host:", "host:123456", "host:1a", ":80", "[]",
                "[::1", "::1", "[::1]x", "[::1]:", "[g::1]", "host:1:2", "ho\tst", "[::1]:80:1", "é.example"}) {
            assertThat(FramingRules.validHost(bad)).as(bad).isFalse();
        }
    }

    @Test
    void agreesWithTheGrammarOnRandomInput() {
        char[] alphabet = "aZ09.:[]_-~%@/ \t!$&'()*+,;=#?\u00e9\u0000fF".toCharArray();
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 200_000; i++) {
            char[] s = new char[r.nextInt(12)];
            for (int j = 0; j < s.length; j++) {
                s[j] = alphabet[r.nextInt(alphabet.length)];
            }
            String h = new String(s);
            assertThat(FramingRules.validHost(h)).as("'%s'", h).isEqualTo(oracle(h));
        }
    }
}
