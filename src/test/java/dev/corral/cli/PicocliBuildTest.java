package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The build compiles picocli from its published sources for Java 17 (pom.xml): its own jar's class
 * files are Java 5's, which class data sharing cannot archive, and `corral serve` then loads and
 * verifies them the slow way at every start. This fails if the build ever falls back to that jar.
 */
class PicocliBuildTest {
    @Test
    void picocliOnTheClassPathIsCompiledForJava17() throws Exception {
        for (Class<?> c : new Class<?>[] {CommandLine.class, CommandLine.Model.CommandSpec.class, CommandLine.Help.class}) {
            String file = c.getName().substring(c.getName().lastIndexOf('.') + 1) + ".class";
            try (InputStream in = c.getResourceAsStream(file); DataInputStream data = new DataInputStream(in)) {
                assertThat(data.readInt()).isEqualTo(0xCAFEBABE);
                data.readUnsignedShort(); // minor
                assertThat(data.readUnsignedShort()).as("class file major version of " + c.getName()).isEqualTo(61);
            }
        }
        assertThat(CommandLine.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .as("loaded from the project's own classes, not picocli's jar").doesNotEndWith(".jar");
    }
}
