package dev.corral.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every CORRAL_* variable the project's code, scripts and docs name is one Corral knows, so the
 * misspelling warning never flags a real one. A new variable read somewhere must be added to
 * {@link CorralVariables#OTHERS} (or be a config field's).
 */
class CorralVariablesTest {
    private static final Pattern NAME = Pattern.compile("CORRAL_[A-Z0-9_]*[A-Z0-9]");

    @Test
    void everyVariableNamedInTheSourcesIsKnown() throws IOException {
        Set<String> named = new TreeSet<>();
        List<Path> roots = List.of(Path.of("src/main"), Path.of("src/test/java"), Path.of("src/test/js"), Path.of("scripts"),
                Path.of("bench"), Path.of(".ci"), Path.of("corral"), Path.of("packaging"), Path.of("README.md"), Path.of("pom.xml"));
        for (Path root : roots) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    // the config and CLI tests spell variables wrong on purpose; node_modules is not ours
                    if (f.startsWith(Path.of("src/test/java/dev/corral/config")) || f.startsWith(Path.of("src/test/java/dev/corral/cli"))
                            || f.toString().contains("node_modules")) {
                        continue;
                    }
                    Matcher m = NAME.matcher(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
                    while (m.find()) {
                        named.add(m.group());
                    }
                }
            }
        }
        assertThat(named).contains("CORRAL_CONFIG", "CORRAL_JAVA_OPTS", "CORRAL_REQUIRE_NODE", "CORRAL_STATE_DIR");
        assertThat(CorralVariables.known()).containsAll(named);
    }
}
