package dev.corral.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.access.ModelName;
import dev.corral.audit.RecordingAudit;
import dev.corral.config.ConfigLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A pull's endings as the caller and the audit log see them, driven line by line as Ollama would
 * send them: an error line, a stream that stops without "success", a refusal before streaming,
 * and the caller going away before or after Ollama finished.
 */
class PullRunTest {
    final RecordingAudit audit = new RecordingAudit();
    final List<String> sent = new ArrayList<>();
    // Never called in these endings (only after a success, for the digest).
    final OllamaCalls ollama = new OllamaCalls(new ConfigLoader(Map.of()).load(null, Map.of())::upstream);

    final AdminReplier replier = new AdminReplier() {
        @Override
        public void reply(AdminRoutes.Reply reply) {
            sent.add("reply " + reply.status() + " " + reply.body());
        }

        @Override
        public void beginStream() {
            sent.add("begin");
        }

        @Override
        public void line(JsonNode line, Runnable written) {
            sent.add(line.toString());
            written.run();
        }

        @Override
        public void end() {
            sent.add("end");
        }

        @Override
        public void onGone(Runnable r) {
            sent.add("onGone");
        }
    };

    @AfterEach
    void close() {
        ollama.close();
    }

    PullRun run(String model) {
        return new PullRun(ollama, audit, replier, ModelName.forPull(model), false, "uid:1000");
    }

    Map<String, Object> onlyEntry() {
        assertThat(audit.recorded()).hasSize(1);
        assertThat(audit.recorded().get(0).action()).isEqualTo("model.pull");
        assertThat(audit.recorded().get(0).actor()).isEqualTo("uid:1000");
        return audit.recorded().get(0).details();
    }

    @Test
    void anErrorLineFromOllamaIsPassedOnAndAuditedAsAFailure() {
        PullRun r = run("llama9");
        r.begin();
        r.line("{\"status\":\"pulling manifest\"}", () -> { });
        r.line("{\"error\":\"pull model manifest: file does not exist\"}", () -> { });
        r.end();
        assertThat(sent).containsExactly("begin", "{\"status\":\"pulling manifest\"}",
                "{\"error\":\"pull model manifest: file does not exist\"}", "end");
        assertThat(onlyEntry()).containsEntry("outcome", "failed")
                .containsEntry("error", "pull model manifest: file does not exist").containsEntry("registry", "registry.ollama.ai");
    }

    @Test
    void aStreamThatStopsWithoutSuccessEndsWithAnErrorLine() {
        PullRun r = run("llama9");
        r.begin();
        r.line("{\"status\":\"pulling manifest\"}", () -> { });
        r.line("not json", () -> { });
        r.end();
        assertThat(sent).containsExactly("begin", "{\"status\":\"pulling manifest\"}",
                "{\"error\":\"Ollama ended the pull without reporting success\"}", "end");
        assertThat(onlyEntry()).containsEntry("outcome", "failed");
    }

    @Test
    void aRefusalBeforeStreamingKeepsOllamasStatusAndSentence() {
        run("llama9").refused(new OllamaCalls.Answer(400, "{\"error\":\"invalid model name\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(sent).containsExactly("reply 400 {\"error\":\"invalid model name\"}");
        assertThat(onlyEntry()).containsEntry("outcome", "failed").containsEntry("error", "invalid model name");
        sent.clear();
        PullRun host = run("llama9");
        host.refused(new OllamaCalls.Answer(403, new byte[0]));
        assertThat(sent.get(0)).startsWith("reply 502").contains("Host check");
    }

    @Test
    void theCallerGoingAwayIsACancellationUnlessOllamaHadFinished() {
        PullRun r = run("llama9");
        r.begin();
        r.line("{\"status\":\"pulling manifest\"}", () -> { });
        r.callerGone();
        r.end(); // silenced in real life by the cancel; even if it came, one entry only
        assertThat(onlyEntry()).containsEntry("outcome", "cancelled");

        RecordingAudit second = new RecordingAudit();
        PullRun finished = new PullRun(ollama, second, replier, ModelName.forPull("llama9"), false, "uid:1000");
        finished.line("{\"status\":\"success\"}", () -> { });
        finished.callerGone();
        assertThat(second.recorded()).hasSize(1);
        assertThat(second.recorded().get(0).details()).containsEntry("outcome", "success");
    }
}
