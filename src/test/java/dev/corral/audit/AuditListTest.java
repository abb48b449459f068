package dev.corral.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `corral audit list`: filters by time, actor and action; table and JSON. */
class AuditListTest {
    @TempDir
    Path dir;

    static TamperTest.Run cli(String... args) {
        return TamperTest.cli(args);
    }

    static List<Long> seqs(String table) {
        return table.lines().skip(1).map(l -> Long.parseLong(l.trim().split("\\s+")[0])).toList();
    }

    @Test
    void filtersByActionActorAndTime() throws Exception {
        String f = AuditFiles.sixEntries(dir).toString();
        TamperTest.Run all = cli("audit", "list", "--file", f);
        assertThat(all.code()).isZero();
        assertThat(all.out().lines().findFirst().orElseThrow()).contains("SEQ").contains("ACTION").contains("DETAILS");
        assertThat(seqs(all.out())).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(all.out()).contains("key.create").contains("{\"name\":\"alice\",\"scopes\":[\"inference\"]}");

        assertThat(seqs(cli("audit", "list", "--file", f, "--action", "key.*").out())).containsExactly(2L, 3L, 4L);
        assertThat(seqs(cli("audit", "list", "--file", f, "--action", "key.create").out())).containsExactly(2L, 3L);
        assertThat(seqs(cli("audit", "list", "--file", f, "--actor", "uid:1000").out())).containsExactly(2L, 3L);
        assertThat(seqs(cli("audit", "list", "--file", f, "--actor", "system", "--action", "server.stop").out()))
                .containsExactly(6L);
        // entries are a minute apart from 12:00:00Z; --since is inclusive, --until exclusive
        assertThat(seqs(cli("audit", "list", "--file", f, "--since", "2025-06-01T12:02:00Z", "--until",
                "2025-06-01T12:04:00Z").out())).containsExactly(3L, 4L);
        assertThat(seqs(cli("audit", "list", "--file", f, "--since", "2025-06-01T14:02:00+02:00").out()))
                .containsExactly(3L, 4L, 5L, 6L);
        assertThat(seqs(cli("audit", "list", "--file", f, "--until", "2025-06-01").out())).isEmpty();
        assertThat(seqs(cli("audit", "list", "--file", f, "--since", "2025-06-01").out())).hasSize(6);
        assertThat(seqs(cli("audit", "list", "--file", f, "--since", "1d").out())).as("all in 2025").isEmpty();
        assertThat(cli("audit", "list", "--file", f, "--actor", "nobody").err()).contains("No audit entries match.");
    }

    @Test
    void jsonIsTheEntriesAsWritten() throws Exception {
        Path f = AuditFiles.sixEntries(dir);
        TamperTest.Run r = cli("audit", "list", "--file", f.toString(), "--format", "json", "--action", "key.revoke");
        assertThat(r.code()).isZero();
        JsonNode arr = new ObjectMapper().readTree(r.out());
        assertThat(arr).hasSize(1);
        JsonNode e = arr.get(0);
        assertThat(e.path("seq").asLong()).isEqualTo(4);
        assertThat(e.path("actor").asText()).isEqualTo("uid:1001");
        assertThat(e.path("target").asText()).isEqualTo("aaaaaaaaaaaa");
        assertThat(e.path("time").asText()).isEqualTo("2025-06-01T12:03:00.000Z");
        assertThat(e.path("hash").asText()).isEqualTo(AuditFiles.hashOf(AuditFiles.lines(f), 4));
        assertThat(e.path("prev").asText()).isEqualTo(AuditFiles.hashOf(AuditFiles.lines(f), 3));
    }

    @Test
    void unreadableLinesAreSkippedAndReported() throws Exception {
        Path f = AuditFiles.sixEntries(dir);
        Files.writeString(f, "garbage\n", java.nio.file.StandardOpenOption.APPEND);
        TamperTest.Run r = cli("audit", "list", "--file", f.toString());
        assertThat(r.code()).isZero();
        assertThat(seqs(r.out())).hasSize(6);
        assertThat(r.err()).contains("1 line(s)").contains("line 7").contains("corral audit verify");
    }

    @Test
    void usageErrorsExitWith2() throws Exception {
        String f = AuditFiles.sixEntries(dir).toString();
        assertThat(cli("audit", "list", "--file", f, "--format", "xml").code()).isEqualTo(2);
        TamperTest.Run badTime = cli("audit", "list", "--file", f, "--since", "yesterday");
        assertThat(badTime.code()).isEqualTo(2);
        assertThat(badTime.err()).contains("--since").contains("not a time");
        assertThat(cli("audit", "list", "--file", dir.resolve("none").toString()).code()).isEqualTo(1);
    }
}
