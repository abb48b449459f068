package dev.corral.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.cli.CorralCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real six-entry log, tampered with in every way we know, must fail verification naming the first
 * bad line, through the Java API and through `corral audit verify`.
 */
class TamperTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CorralCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** A way to tamper: from the intact lines to the file's new content. */
    record Tamper(String name, Function<List<String>, String> apply, long line, Long seq, AuditVerifier.Kind kind) {
        @Override
        public String toString() {
            return name;
        }
    }

    static String joined(List<String> lines) {
        return String.join("\n", lines) + "\n";
    }

    /** A forged entry with a correctly computed hash of its own. */
    static String forged(long seq, String prev) {
        AuditEntry.Draft d = AuditEntry.draft("uid:0", Actions.KEY_CREATE, "zzzzzzzzzzzz", Map.of("name", "mallory"));
        return AuditEntry.seal(d, seq, Instant.parse("2025-06-01T12:02:30Z"), prev).line();
    }

    static Stream<Arguments> tampers() {
        return Stream.of(
                new Tamper("edit a detail", l -> {
                    l.set(2, l.get(2).replace("\"name\":\"bob\"", "\"name\":\"eve\""));
                    return joined(l);
                }, 3, 3L, AuditVerifier.Kind.HASH_MISMATCH),
                new Tamper("edit the actor", l -> {
                    l.set(3, l.get(3).replace("uid:1001", "uid:1000"));
                    return joined(l);
                }, 4, 4L, AuditVerifier.Kind.HASH_MISMATCH),
                new Tamper("edit a hash", l -> {
                    String h = AuditFiles.hashOf(l, 4);
                    l.set(3, l.get(3).replace(h, h.substring(0, 63) + (h.endsWith("0") ? "1" : "0")));
                    return joined(l);
                }, 4, 4L, AuditVerifier.Kind.HASH_MISMATCH),
                new Tamper("edit a sequence number", l -> {
                    l.set(0, l.get(0).replace("\"seq\":1,", "\"seq\":7,"));
                    return joined(l);
                }, 1, 7L, AuditVerifier.Kind.HASH_MISMATCH),
                new Tamper("delete an entry", l -> {
                    l.remove(2);
                    return joined(l);
                }, 3, 4L, AuditVerifier.Kind.SEQUENCE_GAP),
                new Tamper("delete the first entry", l -> {
                    l.remove(0);
                    return joined(l);
                }, 1, 2L, AuditVerifier.Kind.SEQUENCE_GAP),
                new Tamper("insert a forged entry with its own hash but the wrong prev", l -> {
                    l.add(2, forged(3, "ab".repeat(32)));
                    return joined(l);
                }, 3, 3L, AuditVerifier.Kind.PREV_MISMATCH),
                new Tamper("insert a forged entry chained to the one before", l -> {
                    l.add(2, forged(3, AuditFiles.hashOf(l, 2)));
                    return joined(l);
                }, 4, 3L, AuditVerifier.Kind.SEQUENCE_OUT_OF_ORDER),
                new Tamper("replace an entry by a forged one at its place", l -> {
                    l.set(2, forged(3, AuditFiles.hashOf(l, 2)));
                    return joined(l);
                }, 4, 4L, AuditVerifier.Kind.PREV_MISMATCH),
                new Tamper("swap two entries", l -> {
                    String third = l.get(2);
                    l.set(2, l.get(3));
                    l.set(3, third);
                    return joined(l);
                }, 3, 4L, AuditVerifier.Kind.SEQUENCE_GAP),
                new Tamper("append garbage", l -> joined(l) + "this is not an entry\n", 7, null,
                        AuditVerifier.Kind.UNPARSABLE),
                new Tamper("append garbage without a newline", l -> joined(l) + "{\"seq\":7", 7, null,
                        AuditVerifier.Kind.UNTERMINATED),
                new Tamper("insert an empty line", l -> {
                    l.add(4, "");
                    return joined(l);
                }, 5, null, AuditVerifier.Kind.UNPARSABLE),
                new Tamper("reformat a line without changing a value", l -> {
                    l.set(1, l.get(1).replace("\",\"", "\", \""));
                    return joined(l);
                }, 2, 2L, AuditVerifier.Kind.NOT_CANONICAL),
                new Tamper("add a member", l -> {
                    l.set(4, l.get(4).replace("{\"action\"", "{\"note\":\"ok\",\"action\""));
                    return joined(l);
                }, 5, null, AuditVerifier.Kind.UNPARSABLE),
                new Tamper("turn a line into a duplicate-member line", l -> {
                    l.set(4, l.get(4).replace("{\"action\"", "{\"seq\":5,\"action\""));
                    return joined(l);
                }, 5, null, AuditVerifier.Kind.UNPARSABLE),
                new Tamper("end a line with CRLF", l -> {
                    l.set(1, l.get(1) + "\r");
                    return joined(l);
                }, 2, 2L, AuditVerifier.Kind.NOT_CANONICAL))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tampers")
    void everyTamperingIsFoundAtTheFirstBadLine(Tamper t) throws Exception {
        Path f = AuditFiles.sixEntries(dir);
        assertThat(AuditVerifier.verify(f, null).ok()).isTrue();
        Files.writeString(f, t.apply().apply(AuditFiles.lines(f)), StandardCharsets.UTF_8);

        AuditVerifier.Result r = AuditVerifier.verify(f, null);
        assertThat(r.ok()).as("verify after: %s", t.name()).isFalse();
        assertThat(r.problem().line()).isEqualTo(t.line());
        assertThat(r.problem().seq()).isEqualTo(t.seq());
        assertThat(r.problem().kind()).isEqualTo(t.kind());

        Run run = cli("audit", "verify", "--file", f.toString());
        assertThat(run.code()).isEqualTo(1);
        String where = "line " + t.line() + (t.seq() == null ? ": " : " (seq " + t.seq() + "): ");
        assertThat(run.err()).contains(f + " " + where + t.kind().label + ": ").doesNotContain("\tat ");
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void anIntactLogVerifiesAndReportsItsHead() throws Exception {
        Path f = AuditFiles.sixEntries(dir);
        String head = AuditFiles.hashOf(AuditFiles.lines(f), 6);
        AuditVerifier.Result r = AuditVerifier.verify(f, head);
        assertThat(r.ok()).isTrue();
        assertThat(r.entries()).isEqualTo(6);
        assertThat(r.last()).isEqualTo(new AuditHead(6, head));

        Run run = cli("audit", "verify", "--file", f.toString(), "--head", head.toUpperCase(java.util.Locale.ROOT));
        assertThat(run.code()).isZero();
        assertThat(run.out()).contains("6 entries, chain intact, head seq 6 hash " + head).contains("ends at the given head");
    }

    @Test
    void aTruncatedTailIsFoundOnlyWithThePublishedHead() throws Exception {
        Path f = AuditFiles.sixEntries(dir);
        List<String> lines = AuditFiles.lines(f);
        String head = AuditFiles.hashOf(lines, 6);
        AuditFiles.write(f, new ArrayList<>(lines.subList(0, 4)));

        assertThat(AuditVerifier.verify(f, null).ok()).as("the file alone looks intact").isTrue();
        assertThat(cli("audit", "verify", "--file", f.toString()).code()).isZero();

        AuditVerifier.Result r = AuditVerifier.verify(f, head);
        assertThat(r.ok()).isFalse();
        assertThat(r.problem().kind()).isEqualTo(AuditVerifier.Kind.TRUNCATED);
        Run run = cli("audit", "verify", "--file", f.toString(), "--head", head);
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("truncated or replaced").contains(head).contains("ends at seq 4");
    }

    @Test
    void aWholeNewChainInPlaceOfTheOldIsFoundWithThePublishedHead() throws Exception {
        Path f = AuditFiles.sixEntries(dir);
        String head = AuditFiles.hashOf(AuditFiles.lines(f), 6);
        Files.delete(f);
        try (AuditLog log = AuditLog.open(f, java.time.Clock.systemUTC())) {
            for (int i = 0; i < 6; i++) {
                log.record(Audit.SYSTEM, Actions.CONFIG_RELOAD, null, Map.of("n", i));
            }
        }
        assertThat(AuditVerifier.verify(f, null).ok()).isTrue();
        Run run = cli("audit", "verify", "--file", f.toString(), "--head", head);
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("truncated or replaced");
    }

    @Test
    void aHeadFoundBeforeTheEndMeansTheLogGrewSince() throws Exception {
        Path f = AuditFiles.sixEntries(dir);
        String head4 = AuditFiles.hashOf(AuditFiles.lines(f), 4);
        AuditVerifier.Result r = AuditVerifier.verify(f, head4);
        assertThat(r.ok()).isTrue();
        assertThat(r.headSeq()).isEqualTo(4);
        Run run = cli("audit", "verify", "--file", f.toString(), "--head", head4);
        assertThat(run.code()).isZero();
        assertThat(run.out()).contains("The given head is seq 4; 2 entries were recorded after it.");
    }

    @Test
    void verifyUsageErrorsExitWith2AndAMissingLogWith1() {
        Run badHead = cli("audit", "verify", "--file", dir.resolve("x").toString(), "--head", "abc");
        assertThat(badHead.code()).isEqualTo(2);
        assertThat(badHead.err()).contains("--head");
        assertThat(cli("audit", "verify", "--bogus").code()).isEqualTo(2);
        Run help = cli("audit", "verify", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--head").contains("--file").contains("Exit codes");
        Run missing = cli("audit", "verify", "--file", dir.resolve("nope.log").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("no audit log here");
        Run noState = cli("audit", "verify", "--state-dir", dir.resolve("empty").toString());
        assertThat(noState.code()).isEqualTo(1);
        assertThat(noState.err()).contains(dir.resolve("empty").resolve("audit.log").toString());
    }

    @Test
    void verifyReadsTheStateDirectoryTheConfigNames() throws Exception {
        Path state = dir.resolve("state");
        Files.createDirectories(state);
        AuditFiles.sixEntries(state);
        Path config = Files.writeString(dir.resolve("corral.yaml"), "state_dir: " + state + "\n");
        Run viaConfig = cli("audit", "verify", "--config", config.toString());
        assertThat(viaConfig.code()).isZero();
        assertThat(viaConfig.out()).contains(state.resolve("audit.log") + ": 6 entries");
        assertThat(cli("audit", "verify", "--state-dir", state.toString()).code()).isZero();
    }
}
