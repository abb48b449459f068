package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The `corral` launcher script, run by bash in a copy of the repository's layout with fake JDKs
 * whose `java` only logs how it was called: which JVM it picks, that it starts no JVM but the one
 * it execs, the flags per JDK version, and what a build says (on stderr only) and does.
 */
class LauncherTest {
    @TempDir
    Path dir;

    Path repo;
    Path calls;

    record Run(int code, String out, String err) {}

    @BeforeEach
    void layout() throws IOException {
        repo = dir.resolve("repo");
        calls = dir.resolve("calls.log");
        Files.createDirectories(repo.resolve("src/main/java"));
        Files.createDirectories(repo.resolve("target"));
        Files.writeString(repo.resolve("src/main/java/A.java"), "class A {}\n");
        Files.writeString(repo.resolve("pom.xml"), "<project/>\n");
        Files.copy(Path.of("corral"), repo.resolve("corral"));
        Path jar = Files.writeString(repo.resolve("target/corral.jar"), "jar");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        Files.writeString(calls, "");
        for (String v : List.of("11.0.2", "17.0.15", "21.0.4", "25.0.3")) {
            Path home = dir.resolve("jdk" + v.substring(0, 2));
            Files.createDirectories(home.resolve("bin"));
            Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + v + "\"\nLIBC=\"gnu\"\n");
            script(home.resolve("bin/java"), "printf '%s\\n' \"$0 $*\" >> '" + calls + "'\necho \"ran $0\"\n");
            script(home.resolve("bin/javac"), "exit 0\n");
        }
        Files.createDirectories(dir.resolve("path"));
        Files.createSymbolicLink(dir.resolve("path/java"), dir.resolve("jdk17/bin/java"));
    }

    static void script(Path p, String body) throws IOException {
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    Run launch(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", repo.resolve("corral").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("CORRAL_JAVA_OPTS");
        pb.environment().remove("CORRAL_NO_CDS");
        pb.environment().remove("CACHE_DIRECTORY");
        pb.environment().remove("MAVEN_OPTS");
        pb.environment().put("PATH", dir.resolve("path") + ":/usr/bin:/bin");
        pb.environment().putAll(env);
        pb.redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("launcher finished").isTrue();
        return new Run(p.exitValue(), Files.readString(dir.resolve("out.txt")), Files.readString(dir.resolve("err.txt")));
    }

    List<String> javaCalls() throws IOException {
        return Files.readAllLines(calls).stream().filter(l -> !l.isBlank()).toList();
    }

    String java(String jdk) {
        return dir.resolve(jdk + "/bin/java").toString();
    }

    String jar() {
        return repo.resolve("target/corral.jar").toString();
    }

    /** The launcher's JVM flags, before CORRAL_JAVA_OPTS. */
    static final String DEFAULTS = "-XX:+UseSerialGC -Xss512k -Xmn16m -XX:TieredStopAtLevel=1 -Xlog:disable"
            + " -Xlog:all=warning:stderr -Xlog:cds*=off:stderr";

    @Test
    void serveOnJdk19AndNewerKeepsAClassDataArchiveNextToTheJarAndOtherCommandsDoNot() throws Exception {
        launch(Map.of("JAVA_HOME", dir.resolve("jdk25").toString()), "serve", "--listen", "127.0.0.1:0");
        assertThat(javaCalls()).singleElement().asString()
                .contains(" -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=" + repo.resolve("target") + "/corral-jdk25-serve-")
                .contains(".jsa -jar ")
                .doesNotContain("VerifySharedSpaces"); // the header check stays; no CRC of the whole archive at each start
        Files.writeString(calls, "");
        launch(Map.of("JAVA_HOME", dir.resolve("jdk25").toString(), "CORRAL_NO_CDS", "1"), "serve");
        assertThat(javaCalls()).singleElement().asString().doesNotContain("SharedArchive");
        Files.writeString(calls, "");
        launch(Map.of("JAVA_HOME", dir.resolve("jdk25").toString()), "keys", "list");
        assertThat(javaCalls()).singleElement().asString().doesNotContain("SharedArchive");
        Files.writeString(calls, "");
        launch(Map.of("JAVA_HOME", dir.resolve("jdk21").toString()), "serve");
        assertThat(javaCalls()).singleElement().asString().contains("SharedArchiveFile=" + repo.resolve("target") + "/corral-jdk21-serve-");
    }

    @Test
    void serveOnJdk17AsksForTheArchiveAtExitThenUsesItAndANewJarsArchiveReplacesTheOld() throws Exception {
        Path target = repo.resolve("target");
        Path stale = target.resolve("corral-jdk17-serve-1-2.jsa");
        Path otherCommand = target.resolve("corral-jdk17-simulate-1-2.jsa");
        Files.writeString(stale, "old archive");
        Files.writeString(otherCommand, "simulate's archive");
        launch(Map.of("JAVA_HOME", dir.resolve("jdk17").toString()), "serve");
        String first = javaCalls().get(0);
        assertThat(first).contains(" -XX:ArchiveClassesAtExit=" + target + "/corral-jdk17-serve-").doesNotContain("SharedArchiveFile");
        String archive = first.replaceAll(".*-XX:ArchiveClassesAtExit=(\\S+).*", "$1");
        assertThat(stale).doesNotExist(); // an older jar's archive of the same command goes
        assertThat(otherCommand).exists();
        Files.writeString(Path.of(archive), "the JVM wrote this at exit");
        Files.writeString(calls, "");
        launch(Map.of("JAVA_HOME", dir.resolve("jdk17").toString()), "serve");
        assertThat(javaCalls()).singleElement().asString()
                .contains(" -XX:SharedArchiveFile=" + archive + " -jar ")
                .doesNotContain("ArchiveClassesAtExit");
        assertThat(Path.of(archive)).exists();
    }

    @Test
    void javaHomeIsUsedAndNoOtherJvmIsStarted() throws Exception {
        Run r = launch(Map.of("JAVA_HOME", dir.resolve("jdk21").toString()), "-V");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("ran " + java("jdk21") + "\n");
        assertThat(r.err()).isEmpty();
        assertThat(javaCalls()).containsExactly(java("jdk21") + " " + DEFAULTS + " -jar " + jar() + " -V");
    }

    @Test
    void javaOnThePathComesNextWhenJavaHomeIsTooOld() throws Exception {
        Run r = launch(Map.of("JAVA_HOME", dir.resolve("jdk11").toString(), "CORRAL_JAVA_OPTS", "-Dx=1"), "keys", "list");
        assertThat(r.code()).isZero();
        assertThat(r.err()).contains("JAVA_HOME=" + dir.resolve("jdk11")).contains("Java 11").contains("17 or newer");
        // the PATH entry is a symlink to jdk17's java; the JVM is started through it, once
        assertThat(javaCalls()).containsExactly(dir.resolve("path/java") + " " + DEFAULTS + " -Dx=1 -jar " + jar() + " keys list");
    }

    @Test
    void jdk24AndNewerGetTheUnsafeFlagAndNativeAccessComesFromTheJarsManifest() throws Exception {
        launch(Map.of("JAVA_HOME", dir.resolve("jdk25").toString()), "-V");
        assertThat(javaCalls()).containsExactly(java("jdk25") + " " + DEFAULTS
                + " --sun-misc-unsafe-memory-access=allow -jar " + jar() + " -V");
    }

    @Test
    void aStaleJarIsRebuiltSayingWhatHappensOnStderrOnly() throws Exception {
        Files.setLastModifiedTime(repo.resolve("target/corral.jar"), FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.createDirectories(repo.resolve(".mvn/wrapper"));
        Files.writeString(repo.resolve(".mvn/wrapper/maven-wrapper.properties"),
                "distributionUrl=https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/3.9.11/apache-maven-3.9.11-bin.zip\n");
        Path mavenArgs = dir.resolve("mvnw.log");
        StringBuilder downloads = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            downloads.append("echo '[INFO] Downloading from central: https://repo/a").append(i).append(".jar'\n");
            downloads.append("echo '[INFO] Downloaded from central: https://repo/a").append(i).append(".jar (1 kB at 9 kB/s)'\n");
        }
        script(repo.resolve("mvnw"), "echo \"$JAVA_HOME|$MAVEN_OPTS|$*\" > '" + mavenArgs + "'\n"
                + "echo '[INFO] Scanning for projects...'\n" + downloads
                + "echo '[INFO] --- compiler:3.14.1:compile (picocli) @ corral ---'\n"
                + "echo '[INFO] Compiling 1 source file with javac [debug release 17] to target/classes'\n"
                + "echo '[INFO] --- compiler:3.14.1:compile (default-compile) @ corral ---'\n"
                + "echo '[INFO] Compiling 3 source files with javac [debug release 17] to target/classes'\n"
                + "echo '[INFO] --- shade:3.6.1:shade (default) @ corral ---'\n"
                + "echo '[INFO] BUILD SUCCESS'\n"
                + "echo new > target/corral.jar\n");
        Run r = launch(Map.of("JAVA_HOME", dir.resolve("jdk25").toString(), "MAVEN_USER_HOME", dir.resolve("m2").toString()),
                "keys", "create", "--name", "x");
        assertThat(r.code()).isZero();
        // standard output is the command's alone, so KEY=$(./corral keys create ...) works on a first run too
        assertThat(r.out()).isEqualTo("ran " + java("jdk25") + "\n");
        assertThat(r.err()).contains("corral: building target/corral.jar")
                .contains("corral: downloading Maven 3.9.11")
                .contains("corral: downloading Maven plugins and Corral's dependencies")
                .contains("corral:   ... 50 files")
                .contains("corral: compiling 1 source file of picocli (built from its sources for Java 17) ...")
                .contains("corral: compiling 3 source files ...")
                .contains("corral: packaging target/corral.jar")
                .contains("corral: built target/corral.jar")
                .doesNotContain("[INFO]");
        assertThat(Files.readString(mavenArgs)).startsWith(dir.resolve("jdk25") + "|")
                .contains("--sun-misc-unsafe-memory-access=allow").contains("-Dmaven.test.skip=true package");
        assertThat(Files.readString(repo.resolve("target/build.log"))).contains("[INFO] BUILD SUCCESS");
        assertThat(javaCalls()).hasSize(1);
    }

    /** Maven compiles only changed sources: a changed pom.xml (a compiler flag, a dependency) must not leave old classes in the jar. */
    @Test
    void aChangedPomCompilesEverythingAgainAndAChangedSourceAloneDoesNot() throws Exception {
        Path classes = Files.createDirectories(repo.resolve("target/classes/dev"));
        Files.writeString(classes.resolve("Old.class"), "old");
        script(repo.resolve("mvnw"), "if [ -e target/classes/dev/Old.class ]; then echo kept; else echo dropped; fi > '"
                + dir.resolve("classes.log") + "'\necho '[INFO] BUILD SUCCESS'\necho new > target/corral.jar\n");
        Path jar = repo.resolve("target/corral.jar");
        Map<String, String> env = Map.of("JAVA_HOME", dir.resolve("jdk17").toString());

        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.setLastModifiedTime(repo.resolve("pom.xml"), FileTime.fromMillis(System.currentTimeMillis() - 120_000));
        assertThat(launch(env, "-V").code()).isZero();
        assertThat(Files.readString(dir.resolve("classes.log"))).as("only a source changed").isEqualTo("kept\n");

        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.setLastModifiedTime(repo.resolve("pom.xml"), FileTime.fromMillis(System.currentTimeMillis()));
        assertThat(launch(env, "-V").code()).isZero();
        assertThat(Files.readString(dir.resolve("classes.log"))).as("pom.xml changed").isEqualTo("dropped\n");
    }

    @Test
    void aFailedBuildShowsMavensErrorsAndRunsNothing() throws Exception {
        Files.delete(repo.resolve("target/corral.jar"));
        script(repo.resolve("mvnw"), "echo '[INFO] Compiling 3 source files with javac'\n"
                + "echo '[ERROR] /src/main/java/A.java:[1,9] cannot find symbol'\n"
                + "echo '[INFO] BUILD FAILURE'\nexit 1\n");
        Run r = launch(Map.of("JAVA_HOME", dir.resolve("jdk17").toString()), "-V");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("[ERROR] /src/main/java/A.java:[1,9] cannot find symbol")
                .contains("the build failed").contains("target/build.log");
        assertThat(javaCalls()).isEmpty();
    }

    @Test
    void aRuntimeWithoutJavacIsNotUsedToBuild() throws Exception {
        Files.delete(repo.resolve("target/corral.jar"));
        Files.delete(dir.resolve("jdk21/bin/javac"));
        Path mavenArgs = dir.resolve("mvnw.log");
        script(repo.resolve("mvnw"), "echo \"$JAVA_HOME\" > '" + mavenArgs + "'\necho jar > target/corral.jar\n");
        Run r = launch(Map.of("JAVA_HOME", dir.resolve("jdk21").toString()), "-V");
        assertThat(r.code()).isZero();
        // built with the JDK on the PATH (it has javac), run with JAVA_HOME's
        assertThat(Files.readString(mavenArgs).trim()).isEqualTo(dir.resolve("jdk17").toString());
        assertThat(javaCalls()).containsExactly(java("jdk21") + " " + DEFAULTS + " -jar " + jar() + " -V");
    }
    @Test
    void theInstalledVariantRunsItsJarAndNeverBuilds() throws Exception {
        // packaging/build-deb.sh installs the launcher as /usr/bin/corral with this one line changed
        Path installed = Files.writeString(dir.resolve("installed.jar"), "jar");
        String text = Files.readString(repo.resolve("corral"));
        assertThat(text).containsOnlyOnce("\ninstalled_jar=\"\"\n");
        Files.writeString(repo.resolve("corral"), text.replace("\ninstalled_jar=\"\"\n", "\ninstalled_jar=\"" + installed + "\"\n"));
        // the sources are newer than target/corral.jar, and a mvnw is there: neither matters now
        Files.setLastModifiedTime(repo.resolve("target/corral.jar"), FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Path mavenArgs = dir.resolve("mvnw.log");
        script(repo.resolve("mvnw"), "echo called > '" + mavenArgs + "'\n");
        Run r = launch(Map.of("JAVA_HOME", dir.resolve("jdk21").toString(), "CORRAL_CONFIG", "/elsewhere.yaml"), "keys", "list");
        assertThat(r.code()).isZero();
        assertThat(Files.exists(mavenArgs)).isFalse();
        assertThat(javaCalls()).containsExactly(java("jdk21") + " " + DEFAULTS + " -jar " + installed + " keys list");

        Files.delete(installed);
        r = launch(Map.of("JAVA_HOME", dir.resolve("jdk21").toString()), "-V");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains(installed + " is missing; reinstall the corral package");
    }
}
