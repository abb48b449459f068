package dev.corral.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code, held by the build: no package depends on another that depends back on it,
 * dependencies point one way (server → pipeline → {access, admission, upstream, relay, usage} →
 * {store, config}; metrics beside the path, known only to admin and the wiring), and no main source
 * file grows past 350 lines.
 */
class ArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.corral");
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.corral.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theRootPackageIsOnlyWiring() {
        // Corral (the wiring) may use everything; only the CLI, the top, may use it.
        noClasses().that().resideOutsideOfPackages("dev.corral", "dev.corral.cli..")
                .should().dependOnClassesThat().resideInAPackage("dev.corral").check(classes);
    }

    @Test
    void dependenciesPointDownTheRequestPath() {
        noClasses().that().resideOutsideOfPackages("dev.corral", "dev.corral.cli..", "dev.corral.server..")
                .should().dependOnClassesThat().resideInAPackage("dev.corral.server..").check(classes);
        noClasses().that().resideInAnyPackage("dev.corral.access..", "dev.corral.admission..", "dev.corral.upstream..",
                        "dev.corral.relay..", "dev.corral.usage..", "dev.corral.store..", "dev.corral.route..",
                        "dev.corral.refusal..", "dev.corral.config..", "dev.corral.audit..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.corral.pipeline..", "dev.corral.admin..")
                .check(classes);
        // Metrics listen to the path and read its parts; only the admin API and the wiring know them.
        noClasses().that().resideOutsideOfPackages("dev.corral", "dev.corral.cli..", "dev.corral.admin..", "dev.corral.metrics..")
                .should().dependOnClassesThat().resideInAPackage("dev.corral.metrics..").check(classes);
        noClasses().that().resideInAnyPackage("dev.corral.store..", "dev.corral.config..", "dev.corral.route..",
                        "dev.corral.refusal..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.corral.access..", "dev.corral.admission..",
                        "dev.corral.usage..", "dev.corral.upstream..")
                .check(classes);
    }

    @Test
    void noMainSourceFileIsOver350Lines() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            List<String> big = files.filter(p -> p.toString().endsWith(".java")).filter(p -> lines(p) > 350)
                    .map(p -> p + " (" + lines(p) + " lines)").sorted().toList();
            assertThat(big).as("main source files over 350 lines: split them by concern").isEmpty();
        }
    }

    static long lines(Path p) {
        try (Stream<String> l = Files.lines(p)) {
            return l.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
