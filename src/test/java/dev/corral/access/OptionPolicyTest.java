package dev.corral.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.config.ConfigLoader;
import dev.corral.config.OptionRules;
import dev.corral.config.OptionSettings;
import dev.corral.refusal.RefusalKind;
import dev.corral.route.GoBody;
import dev.corral.route.GoJson;
import dev.corral.route.GoValues;
import dev.corral.route.OllamaRequests;
import dev.corral.route.RequestShape;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Option policy decided from bodies as Ollama's decoder reads them, and the rewritten bodies read back the same way. */
class OptionPolicyTest {

    static OptionSettings settings(Map<String, String> overrides) {
        return new ConfigLoader(Map.of()).load(null, overrides).options();
    }

    static final OptionRules DEFAULTS = settings(Map.of()).defaults();

    record Run(OptionDecision decision, GoValues after) {}

    /** Decides, then applies the decision the way the gateway does and decodes the result again. */
    static Run run(RequestShape shape, String json, OptionRules rules, Map<String, Object> runner) throws GoJson.Refused {
        GoBody body = GoJson.decode(Unpooled.copiedBuffer(json, StandardCharsets.UTF_8), shape.struct());
        OptionDecision d = OptionPolicy.decide(shape, body.values(), rules, runner);
        if (d.refusal() != null || !d.rewrites()) {
            return new Run(d, body.values());
        }
        StringBuilder members = new StringBuilder();
        d.append().forEach((k, v) -> members.append(members.length() == 0 ? "" : ",").append('"').append(k).append("\":").append(v));
        byte[] out = body.replacing(d.replace(), members.toString());
        return new Run(d, GoJson.decode(Unpooled.wrappedBuffer(out), shape.struct()).values());
    }

    static Run run(RequestShape shape, String json) throws GoJson.Refused {
        return run(shape, json, DEFAULTS, Map.of());
    }

    @Test
    void runnerOptionsAreRemovedByDefaultAndTheRestKept() throws Exception {
        Run r = run(OllamaRequests.GENERATE, "{\"model\":\"m\",\"options\":{\"num_ctx\":32768,\"num_batch\":7,"
                + "\"num_gpu\":1,\"main_gpu\":0,\"use_mmap\":false,\"num_thread\":3,\"draft_num_predict\":9,\"temperature\":0.5}}");
        assertThat(r.decision().header()).isEqualTo("num_ctx=removed, num_batch=removed, num_gpu=removed, main_gpu=removed,"
                + " use_mmap=removed, num_thread=removed, draft_num_predict=removed");
        assertThat(r.after().map("options")).containsOnlyKeys("temperature");
        assertThat(r.after().map("options").get("temperature").doubleValue()).isEqualTo(0.5);
    }

    @Test
    void foldedAndRepeatedOptionsObjectsAreAllGoverned() throws Exception {
        // Go merges every member that folds onto "options" into one map; Corral rewrites the merged map.
        Run r = run(OllamaRequests.CHAT, "{\"model\":\"m\",\"Options\":{\"num_ctx\":1},\"options\":{\"num_ctx\":2,\"top_k\":3},"
                + "\"OPTIONS\":{\"num_batch\":4},\"options\":{\"num_ctx\":5,\"num_ctx\":6}}");
        assertThat(r.after().map("options")).containsOnlyKeys("top_k");
        assertThat(r.decision().changes()).containsOnlyKeys("num_ctx", "num_batch");
    }

    @Test
    void optionKeysMatchExactlySoAnUpperCaseOneIsLeftAsOllamaIgnoresIt() throws Exception {
        Run r = run(OllamaRequests.GENERATE, "{\"model\":\"m\",\"options\":{\"NUM_CTX\":99999}}");
        assertThat(r.decision().rewrites()).isFalse();
        assertThat(r.decision().header()).isNull();
    }

    @Test
    void pinnedRunnerOptionsAreSetOnEveryRequestAndReportedWhenTheyDiffer() throws Exception {
        Map<String, Object> runner = Map.of("num_ctx", 8192L, "use_mmap", true);
        Run asked = run(OllamaRequests.GENERATE, "{\"model\":\"m\",\"options\":{\"num_ctx\":2048}}", DEFAULTS, runner);
        assertThat(asked.decision().header()).isEqualTo("num_ctx=8192");
        assertThat(asked.after().map("options").get("num_ctx").asLong()).isEqualTo(8192);
        assertThat(asked.after().map("options").get("use_mmap").booleanValue()).isTrue();
        Run silent = run(OllamaRequests.CHAT, "{\"model\":\"m\"}", DEFAULTS, runner);
        assertThat(silent.decision().header()).isNull(); // nothing the client asked for changed
        assertThat(silent.after().map("options").get("num_ctx").asLong()).isEqualTo(8192);
        Run same = run(OllamaRequests.CHAT, "{\"model\":\"m\",\"options\":{\"num_ctx\":8192.9,\"use_mmap\":true}}", DEFAULTS, runner);
        assertThat(same.decision().rewrites()).isFalse(); // Go's int64(8192.9) is 8192
    }

    @Test
    void aTrustedKeysNumCtxIsHeldToItsMaximumOrRefused() throws Exception {
        OptionRules trusted = settings(Map.of("policy.options.allow_runner_options", "true",
                "policy.options.num_ctx_max", "8192")).defaults();
        Run r = run(OllamaRequests.GENERATE, "{\"model\":\"m\",\"options\":{\"num_ctx\":65536,\"num_batch\":64}}", trusted, Map.of());
        assertThat(r.decision().header()).isEqualTo("num_ctx=8192");
        assertThat(r.after().map("options").get("num_batch").asLong()).isEqualTo(64);
        OptionRules strict = settings(Map.of("policy.options.allow_runner_options", "true",
                "policy.options.num_ctx_max", "8192", "policy.options.over_max", "refuse")).defaults();
        OptionDecision refused = run(OllamaRequests.GENERATE, "{\"model\":\"m\",\"options\":{\"num_ctx\":65536}}", strict,
                Map.of()).decision();
        assertThat(refused.refusal().kind()).isEqualTo(RefusalKind.BAD_REQUEST);
        assertThat(refused.refusal().message()).contains("num_ctx 65536 is above this key's maximum of 8192");
    }

    @Test
    void aRunnerOptionOfTheWrongTypeIsRefusedAsOllamaWould() throws Exception {
        OptionDecision d = run(OllamaRequests.GENERATE, "{\"model\":\"m\",\"options\":{\"num_ctx\":\"big\"}}").decision();
        assertThat(d.refusal().kind()).isEqualTo(RefusalKind.BAD_REQUEST);
        assertThat(d.refusal().message()).isEqualTo("option \"num_ctx\" must be of type integer");
    }

    @Test
    void shiftIsRemovedLikeARunnerOption() throws Exception {
        Run r = run(OllamaRequests.CHAT, "{\"model\":\"m\",\"Shift\":false}");
        assertThat(r.decision().header()).isEqualTo("shift=removed");
        assertThat(r.after().present("shift")).isFalse();
    }

    @Test
    void keepAliveIsHeldBetweenItsMinimumAndMaximum() throws Exception {
        assertThat(keepAlive("-1")).isEqualTo("keep_alive=1800s");
        assertThat(keepAlive("\"-5m\"")).isEqualTo("keep_alive=1800s");
        assertThat(keepAlive("0")).isEqualTo("keep_alive=60s");
        assertThat(keepAlive("\"0s\"")).isEqualTo("keep_alive=60s");
        assertThat(keepAlive("\"1ns\"")).isEqualTo("keep_alive=60s");
        assertThat(keepAlive("\"2h\"")).isEqualTo("keep_alive=1800s");
        assertThat(keepAlive("7200")).isEqualTo("keep_alive=1800s");
        assertThat(keepAlive("\"10m\"")).isNull();
        assertThat(keepAlive("null")).isNull();
        // the last member wins, whatever its spelling
        Run r = run(OllamaRequests.GENERATE, "{\"model\":\"m\",\"keep_alive\":\"10m\",\"KEEP_ALIVE\":-1}");
        assertThat(r.decision().header()).isEqualTo("keep_alive=1800s");
        assertThat(r.after().raw("keep_alive").asLong()).isEqualTo(1800);
    }

    @Test
    void unloadAndForeverAreForKeysAllowedThem() throws Exception {
        OptionRules free = settings(Map.of("policy.options.allow_unload", "true", "policy.options.allow_forever", "true")).defaults();
        assertThat(run(OllamaRequests.GENERATE, "{\"model\":\"m\",\"keep_alive\":0}", free, Map.of()).decision().header()).isNull();
        assertThat(run(OllamaRequests.GENERATE, "{\"model\":\"m\",\"keep_alive\":-1}", free, Map.of()).decision().header()).isNull();
        assertThat(run(OllamaRequests.GENERATE, "{\"model\":\"m\",\"keep_alive\":\"3h\"}", free, Map.of()).decision().header())
                .isEqualTo("keep_alive=1800s");
    }

    @Test
    void aKeepAliveOllamaCannotReadIsRefused() throws Exception {
        assertThat(run(OllamaRequests.EMBED, "{\"model\":\"m\",\"keep_alive\":\"5 minutes\"}").decision().refusal().message())
                .isEqualTo("time: invalid duration \"5 minutes\"");
        assertThat(run(OllamaRequests.EMBED, "{\"model\":\"m\",\"keep_alive\":true}").decision().refusal().kind())
                .isEqualTo(RefusalKind.BAD_REQUEST);
    }

    @Test
    void theCompletionBoundGetsTheDefaultAndTheMaximumOnEveryRoute() throws Exception {
        OptionRules r = settings(Map.of("policy.options.num_predict_max", "100", "policy.options.num_predict_default", "50"))
                .defaults();
        assertThat(bound(OllamaRequests.GENERATE, "{\"model\":\"m\",\"options\":{\"num_predict\":500}}", r)).isEqualTo(100);
        assertThat(bound(OllamaRequests.GENERATE, "{\"model\":\"m\",\"options\":{\"num_predict\":-1}}", r)).isEqualTo(50);
        assertThat(bound(OllamaRequests.CHAT, "{\"model\":\"m\"}", r)).isEqualTo(50);
        assertThat(bound(OllamaRequests.CHAT, "{\"model\":\"m\",\"options\":{\"num_predict\":20}}", r)).isEqualTo(20);
        assertThat(bound(OllamaRequests.OPENAI_CHAT, "{\"model\":\"m\",\"max_tokens\":500}", r)).isEqualTo(100);
        assertThat(bound(OllamaRequests.OPENAI_CHAT, "{\"model\":\"m\",\"max_tokens\":9,\"MAX_TOKENS\":500}", r)).isEqualTo(100);
        assertThat(bound(OllamaRequests.OPENAI_CHAT, "{\"model\":\"m\",\"max_tokens\":null}", r)).isEqualTo(50);
        assertThat(bound(OllamaRequests.OPENAI_COMPLETIONS, "{\"model\":\"m\"}", r)).isEqualTo(50);
        assertThat(bound(OllamaRequests.OPENAI_RESPONSES, "{\"model\":\"m\",\"max_output_tokens\":101}", r)).isEqualTo(100);
        assertThat(bound(OllamaRequests.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":4096}", r)).isEqualTo(100);
        OptionRules refuse = settings(Map.of("policy.options.num_predict_max", "100", "policy.options.over_max", "refuse"))
                .defaults();
        assertThat(run(OllamaRequests.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":4096}", refuse, Map.of())
                .decision().refusal().message()).isEqualTo("max_tokens 4096 is above this key's maximum of 100");
    }

    @Test
    void promptSetUpFieldsAreRefusedUnlessAllowed() throws Exception {
        assertThat(refusal(OllamaRequests.GENERATE, "{\"model\":\"m\",\"template\":\"{{ .Prompt }}\"}")).contains("\"template\"");
        assertThat(refusal(OllamaRequests.GENERATE, "{\"model\":\"m\",\"Raw\":true}")).contains("\"raw\"");
        assertThat(refusal(OllamaRequests.GENERATE, "{\"model\":\"m\",\"raw\":false}")).isNull();
        assertThat(refusal(OllamaRequests.GENERATE, "{\"model\":\"m\",\"system\":\"be brief\"}")).isNull();
        assertThat(refusal(OllamaRequests.CHAT, "{\"model\":\"m\",\"_debug_render_only\":true}")).contains("_debug_render_only");
        assertThat(refusal(OllamaRequests.OPENAI_CHAT, "{\"model\":\"m\",\"_DEBUG_RENDER_ONLY\":true}")).contains("_debug_render_only");
        assertThat(refusal(OllamaRequests.OPENAI_COMPLETIONS, "{\"model\":\"m\",\"_debug_render_only\":true}")).isNotNull();
        OptionRules noThink = settings(Map.of("policy.options.allow_think", "false", "policy.options.allow_system", "false"))
                .defaults();
        assertThat(run(OllamaRequests.CHAT, "{\"model\":\"m\",\"think\":\"high\"}", noThink, Map.of()).decision().refusal())
                .isNotNull();
        assertThat(run(OllamaRequests.CHAT, "{\"model\":\"m\",\"think\":false}", noThink, Map.of()).decision().refusal())
                .isNull();
        for (String body : new String[] {"{\"model\":\"m\",\"reasoning_effort\":\"high\"}",
                "{\"model\":\"m\",\"reasoning_effort\":\"none\",\"REASONING\":{\"effort\":\"minimal\"}}"}) {
            assertThat(run(OllamaRequests.OPENAI_CHAT, body, noThink, Map.of()).decision().refusal()).as(body).isNotNull();
        }
        assertThat(run(OllamaRequests.OPENAI_CHAT, "{\"model\":\"m\",\"reasoning_effort\":\"none\"}", noThink, Map.of())
                .decision().refusal()).isNull();
        assertThat(run(OllamaRequests.OPENAI_RESPONSES, "{\"model\":\"m\",\"reasoning\":{\"effort\":\"low\"},\"reasoning\":null}",
                noThink, Map.of()).decision().refusal()).isNotNull(); // null leaves a struct value as it was
        assertThat(run(OllamaRequests.OPENAI_RESPONSES, "{\"model\":\"m\",\"reasoning\":{\"effort\":\"none\"}}",
                noThink, Map.of()).decision().refusal()).isNull();
        assertThat(run(OllamaRequests.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":5,\"thinking\":{\"type\":\"enabled\"}}",
                noThink, Map.of()).decision().refusal()).isNotNull();
        assertThat(run(OllamaRequests.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":5,\"output_config\":{\"effort\":\" High\"}}",
                noThink, Map.of()).decision().refusal()).isNotNull();
        assertThat(run(OllamaRequests.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":5,\"thinking\":{\"type\":\"disabled\"},"
                + "\"output_config\":{\"effort\":\"high\"}}", noThink, Map.of()).decision().refusal()).isNull();
        OptionDecision system = run(OllamaRequests.GENERATE, "{\"model\":\"m\",\"system\":\"x\"}", noThink, Map.of()).decision();
        assertThat(system.refusal().kind()).isEqualTo(RefusalKind.FORBIDDEN);
        assertThat(system.refusal().message()).contains("policy.options.allow_system");
    }

    @Test
    void aRewrittenBodyKeepsEveryOtherMemberAsSent() throws Exception {
        String json = "{\"model\":\"m\", \"prompt\":\"h\\u00e9llo \\ud83d\\ude00\",\"options\":{\"num_gpu\":2,\"stop\":[\"\\n\"]},"
                + "\"images\":[\"aGk=\"], \"keep_alive\":-1}";
        GoBody body = GoJson.decode(Unpooled.copiedBuffer(json, StandardCharsets.UTF_8), OllamaRequests.GENERATE.struct());
        OptionDecision d = OptionPolicy.decide(OllamaRequests.GENERATE, body.values(), DEFAULTS, Map.of());
        StringBuilder members = new StringBuilder();
        d.append().forEach((k, v) -> members.append(members.length() == 0 ? "" : ",").append('"').append(k).append("\":").append(v));
        String out = new String(body.replacing(d.replace(), members.toString()), StandardCharsets.UTF_8);
        assertThat(out).startsWith("{\"model\":\"m\",\"prompt\":\"h\\u00e9llo \\ud83d\\ude00\",\"images\":[\"aGk=\"]");
        JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out);
        assertThat(tree.path("options").path("stop").get(0).asText()).isEqualTo("\n");
        assertThat(tree.path("options").has("num_gpu")).isFalse();
        assertThat(tree.path("keep_alive").asLong()).isEqualTo(1800);
    }

    private static String keepAlive(String value) throws GoJson.Refused {
        return run(OllamaRequests.GENERATE, "{\"model\":\"m\",\"keep_alive\":" + value + "}").decision().header();
    }

    private static long bound(RequestShape shape, String json, OptionRules rules) throws GoJson.Refused {
        Run r = run(shape, json, rules, Map.of());
        assertThat(shape.completionLimit().read(r.after())).isEqualTo(r.decision().maxTokens());
        return r.decision().maxTokens();
    }

    private static String refusal(RequestShape shape, String json) throws GoJson.Refused {
        OptionDecision d = run(shape, json).decision();
        return d.refusal() == null ? null : d.refusal().message();
    }
}
