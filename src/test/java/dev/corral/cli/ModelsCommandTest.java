package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `corral models` through execute(...) against a running server and its simulator: output, exit codes, what changed. */
class ModelsCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestGateway gw;

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start(Map.of(), SimConfig.defaults(new HostPort("127.0.0.1", 0)));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static Run run(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--state-dir";
        all[args.length + 1] = gw.stateDir.toString();
        return runAsIs(all);
    }

    static Run runAsIs(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CorralCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), Map.of()).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void listAndShowPrintATableOrJson() throws Exception {
        Run list = run("models", "list");
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("NAME").contains("DIGEST").contains("llama3.2:3b").contains("qwen2.5:7b");
        JsonNode json = JSON.readTree(run("models", "list", "--format", "json").out());
        assertThat(json.isArray()).isTrue();
        assertThat(json.findValuesAsText("name")).contains("llama3.2:3b");
        assertThat(json.get(0).path("digest").asText()).matches("[0-9a-f]{64}");

        Run show = run("models", "show", "qwen2.5:7b");
        assertThat(show.code()).isZero();
        assertThat(show.out()).contains("Model qwen2.5:7b").contains("parameters").contains("7B");
        assertThat(JSON.readTree(run("models", "show", "qwen2.5:7b", "--format", "json").out()).has("details")).isTrue();
        Run missing = run("models", "show", "absent:1b");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("model 'absent:1b' not found");
        assertThat(run("models", "list", "--format", "xml").code()).isEqualTo(2);
    }

    @Test
    void pullShowsProgressThenTheDigestAndIsAuditedWithTheCallersUid() throws Exception {
        Run pull = run("models", "pull", "phi3:mini");
        assertThat(pull.code()).as(pull.err()).isZero();
        assertThat(pull.err()).contains("pulling manifest").contains("done, 1.0 KB").contains("success")
                .containsPattern("Pulled phi3:mini \\(digest [0-9a-f]{64}\\)");
        assertThat(pull.err()).doesNotContain("\r");
        assertThat(run("models", "list").out()).contains("phi3:mini");

        Run bar = run("models", "pull", "tinyllama", "--progress", "bar");
        assertThat(bar.code()).isZero();
        assertThat(bar.err()).contains("\r").contains("100% [" + "#".repeat(30) + "] 1.0 KB/1.0 KB");

        StringWriter out = new StringWriter();
        CorralCommand.commandLine(new PrintWriter(out), new PrintWriter(new StringWriter()), Map.of())
                .execute("audit", "list", "--action", "model.pull", "--format", "json", "--state-dir", gw.stateDir.toString());
        JsonNode entries = JSON.readTree(out.toString());
        assertThat(entries.findValuesAsText("target")).contains("phi3:mini", "tinyllama:latest");
        assertThat(entries.get(0).path("actor").asText()).startsWith("uid:");
    }

    @Test
    void policyRefusalsFailAndBadNamesAreUsageErrors() {
        int before = gw.seen().requests().size();
        Run registry = run("models", "pull", "evil.example.com/ns/model");
        assertThat(registry.code()).isEqualTo(1);
        assertThat(registry.err()).contains("registry 'evil.example.com' is not allowed").contains("registry.ollama.ai");
        Run insecure = run("models", "pull", "llama3", "--insecure");
        assertThat(insecure.code()).isEqualTo(1);
        assertThat(insecure.err()).contains("plain HTTP");
        assertThat(run("models", "pull", "gpt-oss:120b-cloud").err()).contains("cloud models are refused");
        Run bad = run("models", "pull", "no good");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("invalid model name");
        assertThat(run("models", "cp", "llama3.2:3b", "bad name!").code()).isEqualTo(2);
        assertThat(run("models", "cp", "only-one").code()).isEqualTo(2);
        assertThat(run("models", "pull", "x", "--progress", "fancy").code()).isEqualTo(2);
        assertThat(gw.seen().requests().size()).as("nothing reached the simulator").isEqualTo(before);
    }

    @Test
    void copyThenRemoveWhichAsksUnlessYes() {
        Run cp = run("models", "cp", "llama3.2:3b", "team/llama:prod");
        assertThat(cp.code()).isZero();
        assertThat(cp.err()).contains("Copied llama3.2:3b to team/llama:prod");
        assertThat(run("models", "list").out()).contains("team/llama:prod");

        Run unconfirmed = run("models", "rm", "team/llama:prod");
        assertThat(unconfirmed.code()).as("no terminal to ask on").isEqualTo(2);
        assertThat(unconfirmed.err()).contains("--yes");
        assertThat(run("models", "list").out()).contains("team/llama:prod");

        Run rm = run("models", "rm", "team/llama:prod", "--yes");
        assertThat(rm.code()).isZero();
        assertThat(rm.err()).contains("Deleted team/llama:prod");
        assertThat(run("models", "list").out()).doesNotContain("team/llama:prod");
        Run again = run("models", "rm", "team/llama:prod", "-y");
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("not found");
    }

    @Test
    void withoutARunningServerItSaysSoPlainly() {
        Run r = runAsIs("models", "list", "--state-dir", dir.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no Corral server answers on").contains("running server");
    }

    @Test
    void pinRecordsWhatOllamaHasAndADriftIsRefusedUntilPinnedAgain() throws Exception {
        String key = gw.inferenceKey();
        String chat = "{\"model\":\"qwen2.5:7b\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String before = gw.sim.digest("qwen2.5:7b");
        Run pin = run("models", "pin", "qwen2.5:7b");
        assertThat(pin.code()).as(pin.err()).isZero();
        assertThat(pin.out()).isEqualTo("qwen2.5:7b pinned to " + before + "\n");
        Path file = gw.stateDir.resolve("pins.json");
        assertThat(java.nio.file.Files.getPosixFilePermissions(file))
                .containsExactlyInAnyOrderElementsOf(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(gw.post("/api/chat", key, chat).statusCode()).isEqualTo(200);

        gw.sim.setDigest("qwen2.5:7b", "c".repeat(64));
        Run wrong = run("models", "pin", "qwen2.5:7b", "--digest", "sha256:" + before);
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err()).contains("has digest " + "c".repeat(64));
        // any check (here the one a pin makes) finds the drift
        assertThat(run("models", "pin", "llama3.2:3b").code()).isZero();
        HttpResponse<String> refused = gw.post("/api/chat", key, chat);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains(before, "c".repeat(64));

        assertThat(run("models", "pin", "qwen2.5:7b", "--digest", "c".repeat(64)).code()).isZero();
        assertThat(gw.post("/api/chat", key, chat).statusCode()).isEqualTo(200);
        assertThat(run("models", "pin", "nosuch:1b").err()).contains("not at Ollama");
        assertThat(java.nio.file.Files.readString(gw.stateDir.resolve("audit.log"))).contains("\"model.pin\"");
    }

    @Test
    void aPullWithADigestIsPinnedToItAndAMismatchLeavesTheModelRefused() throws Exception {
        String key = gw.inferenceKey();
        String good = sha256("tinyllama:1b"); // the simulator's digest for a pulled model
        Run ok = run("models", "pull", "tinyllama:1b", "--digest", good);
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(chat(key, "tinyllama:1b")).isEqualTo(200);

        Run bad = run("models", "pull", "smollm:1b", "--digest", "d".repeat(64));
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("digest mismatch", sha256("smollm:1b"), "d".repeat(64));
        assertThat(chat(key, "smollm:1b")).isEqualTo(409);
        assertThat(java.nio.file.Files.readString(gw.stateDir.resolve("audit.log"))).contains("digest_mismatch");
    }

    private static int chat(String key, String model) throws Exception {
        return gw.post("/api/chat", key, "{\"model\":\"" + model + "\",\"stream\":false,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode();
    }

    private static String sha256(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
