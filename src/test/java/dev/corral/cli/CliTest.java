package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI through execute(...): exit codes, what goes to stdout and stderr, what lands on disk. */
class CliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    Run run(String... args) {
        return runWith(java.util.Map.of(), args);
    }

    /** Runs with {@code env} as the whole environment the commands see. */
    Run runWith(java.util.Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CorralCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), env).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void keysAreShownOnceListedWithoutSecretsAndRevoked() throws Exception {
        String state = dir.resolve("state").toString();
        Run created = run("keys", "create", "--name", "alice", "--scope", "inference", "--models", "llama3*,qwen2.5:7b",
                "--expires", "90d", "--state-dir", state);
        assertThat(created.code()).isZero();
        String key = created.out().trim();
        assertThat(key).matches("crl_[a-z0-9]{12}_[A-Za-z0-9_-]{43}");
        assertThat(created.err()).contains("only time the key is shown").contains("alice").doesNotContain(key);
        String id = key.substring(4, 16);

        Run list = run("keys", "list", "--state-dir", state);
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains(id).contains("alice").contains("llama3*,qwen2.5:7b").contains("active")
                .doesNotContain(key.substring(17));
        JsonNode json = new ObjectMapper().readTree(run("keys", "list", "--format", "json", "--state-dir", state).out());
        assertThat(json.get(0).path("id").asText()).isEqualTo(id);
        assertThat(json.get(0).path("expires_at").asText()).isNotEmpty();

        Run revoked = run("keys", "revoke", id, "--state-dir", state);
        assertThat(revoked.code()).isZero();
        assertThat(revoked.err()).contains("Revoked key " + id);
        assertThat(run("keys", "list", "--state-dir", state).out()).contains("revoked");
        assertThat(run("keys", "revoke", id, "--state-dir", state).err()).contains("already revoked");
        assertThat(run("keys", "revoke", "zzzzzzzzzzzz", "--state-dir", state).code()).isEqualTo(1);

        Path s = Path.of(state);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.resolve("server.secret")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.resolve("corral.db")))).isEqualTo("rw-------");
        assertThat(Files.size(s.resolve("server.secret"))).isEqualTo(32);
    }

    @Test
    void usageErrorsExitWith2AndOneClearSentence() {
        Run noName = run("keys", "create", "--state-dir", dir.toString());
        assertThat(noName.code()).isEqualTo(2);
        assertThat(noName.err()).contains("--name");
        Run badScope = run("keys", "create", "--name", "x", "--scope", "root", "--state-dir", dir.toString());
        assertThat(badScope.code()).isEqualTo(2);
        assertThat(badScope.err()).contains("unknown scope 'root'").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(run("keys", "create", "--name", "x", "--expires", "soon", "--state-dir", dir.toString()).code()).isEqualTo(2);
        assertThat(run("keys", "revoke", "not-an-id", "--state-dir", dir.toString()).code()).isEqualTo(2);
        assertThat(run("frobnicate").code()).isEqualTo(2);
        assertThat(run("simulate", "--listen", "nope").code()).isEqualTo(2);
    }

    @Test
    void configErrorsExitWith1NamingTheFileAndField() throws Exception {
        Path f = Files.writeString(dir.resolve("corral.yaml"), "upstream:\n  url: nope\n");
        Run r = run("keys", "list", "--config", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains(f.toString()).contains("upstream.url").doesNotContain("\tat ");
        Run v = run("keys", "list", "--config", f.toString(), "--verbose");
        assertThat(v.err()).contains("\tat ");
    }

    @Test
    void keysCarryLimitsAndUsagePrintsTotals() throws Exception {
        String state = dir.resolve("state").toString();
        Run created = run("keys", "create", "--name", "bob", "--rpm", "60", "--tpm", "20000", "--concurrency", "2",
                "--daily-tokens", "1e6", "--weight", "2", "--state-dir", state);
        assertThat(created.code()).isZero();
        assertThat(created.err()).contains("rpm=60 tpm=20000 daily=1000000 concurrency=2 weight=2");
        String id = created.out().trim().substring(4, 16);
        assertThat(run("keys", "update", id, "--tpm", "0", "--weight", "default", "--state-dir", state).err())
                .contains("tpm=unlimited").doesNotContain("weight");
        assertThat(run("keys", "list", "--state-dir", state).out()).contains("rpm=60 tpm=unlimited");
        assertThat(run("keys", "update", id, "--state-dir", state).code()).isEqualTo(2);
        assertThat(run("keys", "update", id, "--rpm", "-3", "--state-dir", state).code()).isEqualTo(2);
        assertThat(run("keys", "create", "--name", "x", "--weight", "0", "--state-dir", state).code()).isEqualTo(2);
        assertThat(run("keys", "create", "--name", "x", "--rpm", "default", "--state-dir", state).code()).isEqualTo(2);

        try (dev.corral.store.SqliteStore store = dev.corral.store.SqliteStore.open(dev.corral.store.StateDir.open(Path.of(state)))) {
            java.time.Instant now = java.time.Instant.now();
            store.insertUsage(java.util.List.of(
                    new dev.corral.store.UsageRecord(now, "r1", id, "chat", "llama3.2:3b", 200, "completed", 10, 20, 5, 1, 2),
                    new dev.corral.store.UsageRecord(now, "r2", id, "chat", "qwen2.5:7b", 200, "completed", 1, 2, 5, 1, 2),
                    new dev.corral.store.UsageRecord(now, "r3", id, "chat", "qwen2.5:7b", 429, "refused", -1, -1, 0, 1, 2),
                    new dev.corral.store.UsageRecord(now.minus(java.time.Duration.ofDays(30)), "old", id, "chat", "x", 200,
                            "completed", 1000, 1000, 5, 1, 2)));
        }
        Run total = run("usage", "--state-dir", state);
        assertThat(total.code()).isZero();
        assertThat(total.out()).containsPattern("total\s+3\s+1\s+11\s+22\s+33");
        Run byModel = run("usage", "--by", "model", "--format", "csv", "--key", id, "--state-dir", state);
        assertThat(byModel.out()).contains("model,requests,refused,prompt_tokens,completion_tokens,total_tokens")
                .contains("llama3.2:3b,1,0,10,20,30").contains("qwen2.5:7b,2,1,1,2,3");
        com.fasterxml.jackson.databind.JsonNode json = new ObjectMapper().readTree(
                run("usage", "--since", "60d", "--by", "day", "--format", "json", "--state-dir", state).out());
        assertThat(json.path("rows")).hasSize(2);
        assertThat(run("usage", "--by", "hour", "--state-dir", state).code()).isEqualTo(2);
        assertThat(run("usage", "--since", "soon", "--state-dir", state).code()).isEqualTo(2);
    }

    @Test
    void configErrorsFromTheEnvironmentNameTheVariableAndMisspelledOnesAreWarnedAbout() {
        String state = dir.resolve("state").toString();
        Run bad = runWith(java.util.Map.of("CORRAL_ADMISSION_QUEUE_SIZE", "many"), "keys", "list", "--state-dir", state);
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).isEqualTo("corral: CORRAL_ADMISSION_QUEUE_SIZE (admission.queue_size): expected a whole number,"
                + " got \"many\"\n");
        Run typo = runWith(java.util.Map.of("CORRAL_STATE_DIRR", "/elsewhere", "CORRAL_STATE_DIR", state), "keys", "list");
        assertThat(typo.code()).isZero();
        assertThat(typo.err()).containsOnlyOnce("corral: warning: environment variable CORRAL_STATE_DIRR is not a Corral"
                + " setting and is ignored; did you mean CORRAL_STATE_DIR?");
        assertThat(run("keys", "list", "--state-dir", state).err()).doesNotContain("warning");
    }

    @Test
    void aDurationWithoutAUnitIsRefusedWithTheFix() {
        Run r = run("keys", "create", "--name", "x", "--expires", "90", "--state-dir", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--expires: '90' has no unit; write 90s");
        Run since = run("usage", "--since", "7", "--state-dir", dir.toString());
        assertThat(since.code()).isEqualTo(2);
        assertThat(since.err()).contains("--since: '7' has no unit; write 7s");
    }

    @Test
    void versionIsTheMavenProjectVersion() throws Exception {
        // the project's own version, read from pom.xml (the first <version> after corral's artifactId)
        String pom = Files.readString(Path.of("pom.xml"));
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("<artifactId>corral</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertThat(m.find()).as("pom.xml names corral's version").isTrue();
        for (String flag : new String[] {"-V", "--version"}) {
            Run r = run(flag);
            assertThat(r.code()).isZero();
            assertThat(r.out().trim()).isEqualTo("corral " + m.group(1));
        }
        assertThat(run("keys", "create", "-V").out().trim()).isEqualTo("corral " + m.group(1));
    }

    @Test
    void usageByKeyShowsEachKeysName() throws Exception {
        String state = dir.resolve("state").toString();
        String alice = run("keys", "create", "--name", "alice", "--state-dir", state).out().trim().substring(4, 16);
        String bob = run("keys", "create", "--name", "bob the builder", "--state-dir", state).out().trim().substring(4, 16);
        try (dev.corral.store.SqliteStore store = dev.corral.store.SqliteStore.open(dev.corral.store.StateDir.open(Path.of(state)))) {
            java.time.Instant now = java.time.Instant.now();
            store.insertUsage(java.util.List.of(
                    new dev.corral.store.UsageRecord(now, "r1", alice, "chat", "m", 200, "completed", 10, 20, 5, 1, 2),
                    new dev.corral.store.UsageRecord(now, "r2", bob, "chat", "m", 200, "completed", 1, 2, 5, 1, 2)));
        }
        Run table = run("usage", "--by", "key", "--state-dir", state);
        assertThat(table.code()).isZero();
        assertThat(table.out()).containsPattern("KEY\\s+NAME\\s+REQUESTS")
                .containsPattern(alice + "\\s+alice\\s+1\\s+0\\s+10\\s+20\\s+30")
                .containsPattern(bob + "\\s+bob the builder\\s+1");
        assertThat(run("usage", "--by", "key", "--format", "csv", "--state-dir", state).out())
                .contains("key,name,requests,refused,prompt_tokens,completion_tokens,total_tokens")
                .contains(alice + ",alice,1,0,10,20,30").contains(bob + ",bob the builder,1,0,1,2,3");
        JsonNode json = new ObjectMapper().readTree(run("usage", "--by", "key", "--format", "json", "--state-dir", state).out());
        assertThat(json.path("rows").findValuesAsText("name")).containsExactlyInAnyOrder("alice", "bob the builder");
        // other groupings are unchanged
        assertThat(run("usage", "--by", "model", "--state-dir", state).out()).doesNotContain("NAME");
    }

    @Test
    void theDemoPrintsAUsageCommandThatWorksOnItsOwnState() {
        Path state = dir.resolve("demo-state");
        String key = run("keys", "create", "--name", "demo", "--state-dir", state.toString()).out().trim();
        String text = DemoCommand.instructions("http://127.0.0.1:1", 2, state, key, "crl_meta");
        String line = text.lines().map(String::trim).filter(l -> l.startsWith("./corral usage")).findFirst().orElseThrow();
        assertThat(line).contains("--state-dir " + state);
        Run usage = run(line.substring("./corral ".length()).split(" "));
        assertThat(usage.code()).isZero();
        assertThat(usage.out()).contains("NAME");
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("serve").contains("keys").contains("simulate").contains("demo");
    }

    @Test
    void sshPublicKeysAreRegisteredOneKeyPerCommentOrAllUnderOneName() throws Exception {
        String state = dir.resolve("state").toString();
        dev.corral.testing.OllamaSigner a = dev.corral.testing.OllamaSigner.generate();
        dev.corral.testing.OllamaSigner b = dev.corral.testing.OllamaSigner.generate();
        Path authorized = dir.resolve("authorized_keys");
        Files.writeString(authorized, "# team\n" + a.publicKeyLine("alice@laptop") + "\n\n" + b.publicKeyLine("bob@desk") + "\n");
        Run added = run("keys", "add-ssh", authorized.toString(), "--models", "llama3*", "--tpm", "5000", "--state-dir", state);
        assertThat(added.code()).as(added.err()).isZero();
        assertThat(added.out().trim().split("\n")).hasSize(2).allMatch(id -> id.matches("[a-z0-9]{12}"));
        assertThat(added.err()).contains("\"alice@laptop\"").contains("\"bob@desk\"").contains("SHA256:").contains("tpm=5000");
        JsonNode keys = new ObjectMapper().readTree(run("keys", "list", "--format", "json", "--state-dir", state).out());
        assertThat(keys).hasSize(2);
        assertThat(keys.get(0).path("ssh_keys").get(0).path("line").asText()).isEqualTo(a.publicKeyLine("alice@laptop"));
        assertThat(keys.get(0).path("models").get(0).asText()).isEqualTo("llama3*");

        Run again = run("keys", "add-ssh", authorized.toString(), "--name", "team", "--state-dir", state);
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("already signs in as key " + keys.get(0).path("id").asText());

        Path rsa = dir.resolve("id_rsa.pub");
        Files.writeString(rsa, "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== carol\n");
        Run refused = run("keys", "add-ssh", rsa.toString(), "--state-dir", state);
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("line 1").contains("only ssh-ed25519");

        Path one = dir.resolve("id_ed25519.pub");
        Files.writeString(one, dev.corral.testing.OllamaSigner.generate().publicKeyLine("").strip() + "\n");
        assertThat(run("keys", "add-ssh", one.toString(), "--state-dir", state).err()).contains("give --name NAME");
        Run named = run("keys", "add-ssh", one.toString(), "--name", "dave", "--state-dir", state);
        assertThat(named.code()).as(named.err()).isZero();
        assertThat(named.err()).contains("\"dave\"");
    }

    @Test
    void aBasicUserGetsAPasswordFromStandardInputAndOnlyItsHashIsKept() throws Exception {
        String state = dir.resolve("state").toString();
        java.io.InputStream before = System.in;
        Run created;
        try {
            System.setIn(new java.io.ByteArrayInputStream("a long enough password\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            created = run("keys", "create", "--name", "Erin", "--basic", "erin", "--bcrypt-cost", "4", "--state-dir", state);
        } finally {
            System.setIn(before);
        }
        assertThat(created.code()).as(created.err()).isZero();
        assertThat(created.out().trim()).matches("[a-z0-9]{12}");
        assertThat(created.err()).contains("Basic user erin").doesNotContain("a long enough password");
        JsonNode keys = new ObjectMapper().readTree(run("keys", "list", "--format", "json", "--state-dir", state).out());
        assertThat(keys.get(0).path("basic_user").asText()).isEqualTo("erin");
        assertThat(keys.toString()).doesNotContain("$2b$");
        try (dev.corral.store.SqliteStore store = dev.corral.store.SqliteStore.open(dev.corral.store.StateDir.open(Path.of(state)))) {
            String hash = store.listCredentials().get(0).secret();
            assertThat(org.bouncycastle.crypto.generators.OpenBSDBCrypt.checkPassword(hash, "a long enough password".toCharArray())).isTrue();
        }
        try {
            System.setIn(new java.io.ByteArrayInputStream("short\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(run("keys", "create", "--name", "F", "--basic", "f", "--state-dir", state).err()).contains("shorter than 8");
            System.setIn(new java.io.ByteArrayInputStream("another password\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            Run twice = run("keys", "create", "--name", "Erin2", "--basic", "erin", "--bcrypt-cost", "4", "--state-dir", state);
            assertThat(twice.code()).isEqualTo(2);
            assertThat(twice.err()).contains("already signs in as key");
        } finally {
            System.setIn(before);
        }
        assertThat(run("keys", "create", "--name", "G", "--basic", "a:b", "--state-dir", state).err()).contains("without ':'");
    }
}
