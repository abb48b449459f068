package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.sim.SimRecorder;
import dev.corral.testing.NodeClients;
import dev.corral.testing.TestGateway;
import dev.corral.store.UsageRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real `ollama` and `openai` npm packages, as users run them, against the real gateway. */
class NpmClientsTest {

    @Test
    void officialClientsWorkThroughCorralAndSeeTheSimulatorsCounts() throws Exception {
        NodeClients.requireNode();
        try (TestGateway gw = TestGateway.start()) {
            String key = gw.inferenceKey();
            gw.seen().clear();
            JsonNode r = new ObjectMapper().readTree(NodeClients.run("clients.mjs",
                    Map.of("GATEWAY", gw.url(), "KEY", key)));

            assertThat(r.path("ollama_list").path("models")).hasSize(3);
            assertThat(r.path("ollama_unauthenticated").path("status").asInt()).isEqualTo(401);

            List<SimRecorder.Generation> gens = gw.seen().generations();
            SimRecorder.Generation chat = byPath(gens, "/api/chat", 0);
            JsonNode c = r.path("ollama_chat_stream");
            assertThat(c.path("parts").asInt()).isEqualTo(chat.completionTokens() + 1);
            assertThat(c.path("prompt_eval_count").asInt()).isEqualTo(chat.promptTokens());
            assertThat(c.path("eval_count").asInt()).isEqualTo(chat.completionTokens());
            assertThat(c.path("done").asBoolean()).isTrue();

            SimRecorder.Generation gen = byPath(gens, "/api/generate", 0);
            assertThat(r.path("ollama_generate").path("eval_count").asInt()).isEqualTo(gen.completionTokens());
            assertThat(r.path("ollama_generate").path("prompt_eval_count").asInt()).isEqualTo(gen.promptTokens());
            assertThat(r.path("ollama_embed").path("prompt_eval_count").asInt()).isEqualTo(byPath(gens, "/api/embed", 0).promptTokens());

            SimRecorder.Generation oc = byPath(gens, "/v1/chat/completions", 0);
            JsonNode u = r.path("openai_chat_stream_usage").path("usage");
            assertThat(u.path("prompt_tokens").asInt()).isEqualTo(oc.promptTokens());
            assertThat(u.path("completion_tokens").asInt()).isEqualTo(oc.completionTokens());
            assertThat(r.path("openai_chat_stream_usage").path("text").asText()).startsWith("The quick brown");
            assertThat(r.path("openai_chat_stream_plain").path("usage").isNull()).isTrue();
            assertThat(r.path("openai_embeddings").path("usage").path("prompt_tokens").asInt())
                    .isEqualTo(byPath(gens, "/v1/embeddings", 0).promptTokens());
            // openai-node asks for base64 by default and decodes float32 little-endian: the vector it hands the
            // user must be the one the simulator writes as plain floats for the same input.
            JsonNode decoded = r.path("openai_embeddings").path("embedding");
            JsonNode floats = r.path("openai_embeddings_float").path("embedding");
            assertThat(floats.size()).isGreaterThan(2);
            assertThat(decoded.size()).isEqualTo(floats.size());
            for (int i = 0; i < floats.size(); i++) {
                assertThat((float) decoded.get(i).asDouble()).as("component %d", i).isEqualTo((float) floats.get(i).asDouble());
            }
            assertThat(r.path("openai_models").path("ids")).hasSize(3);
            assertThat(r.path("openai_forbidden_model").path("status").asInt()).isEqualTo(403);

            // What the clients saw is what accounting recorded.
            List<UsageRecord> usage = gw.usage();
            UsageRecord chatUsage = usage.stream().filter(x -> "chat".equals(x.route())).findFirst().orElseThrow();
            assertThat(chatUsage.promptTokens()).isEqualTo(chat.promptTokens());
            assertThat(chatUsage.completionTokens()).isEqualTo(chat.completionTokens());
            UsageRecord oaiUsage = usage.stream().filter(x -> "openai_chat".equals(x.route())).findFirst().orElseThrow();
            assertThat(oaiUsage.completionTokens()).isEqualTo(oc.completionTokens());
        }
    }

    static SimRecorder.Generation byPath(List<SimRecorder.Generation> gens, String path, int index) {
        return gens.stream().filter(g -> g.path().equals(path)).skip(index).findFirst()
                .orElseThrow(() -> new AssertionError("the simulator saw no generation on " + path));
    }
}
