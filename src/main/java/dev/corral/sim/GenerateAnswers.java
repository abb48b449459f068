package dev.corral.sim;

import static dev.corral.sim.SimCall.obj;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.HttpPostMultipartRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Answers the inference routes that produce text in every format (generate, chat, OpenAI, Responses,
 * Anthropic) by starting an {@link Emitter}, and the transcription route.
 */
final class GenerateAnswers {
    private final SimConfig config;
    private final SimModels models;
    private final SimScheduler scheduler;

    GenerateAnswers(SimConfig config, SimModels models, SimScheduler scheduler) {
        this.config = config;
        this.models = models;
        this.scheduler = scheduler;
    }

    /**
     * Answers a generation, by an emitter when there are tokens to send.
     *
     * @param current told of the emitter before it starts (the connection feeds it writability and
     *                disconnects), and told null once its answer is written; before, not after, because
     *                a generation with no delay may finish inside start
     */
    void generate(SimCall c, Formats.Kind kind, Consumer<Emitter> current) {
        JsonNode body = c.parse();
        String name = body == null ? null : c.requireModelField(models, body);
        if (name == null) {
            return;
        }
        boolean nativeRoute = kind == Formats.Kind.GENERATE || kind == Formats.Kind.CHAT;
        boolean stream = body.has("stream") ? body.path("stream").asBoolean(nativeRoute) : nativeRoute;
        int prompt = PromptTokens.count(kind, body);
        if (nativeRoute && PromptTokens.isEmpty(kind, body)) {
            // An empty prompt loads the model, or with keep_alive 0 unloads it (done_reason load/unload).
            JsonNode ka = body.get("keep_alive");
            boolean unload = ka != null && (ka.isNumber() ? ka.asDouble() == 0 : ka.asText().matches("0+[a-z]*"));
            if (!unload) {
                scheduler.schedule(c.requestId(), c.match().path(), name, body);
            }
            ObjectNode o = obj().put("model", name).put("created_at", Instant.now().toString());
            if (kind == Formats.Kind.CHAT) {
                o.putObject("message").put("role", "assistant").put("content", "");
            } else {
                o.put("response", "");
            }
            o.put("done", true).put("done_reason", unload ? "unload" : "load");
            c.json(HttpResponseStatus.OK, o);
            return;
        }
        scheduler.schedule(c.requestId(), c.match().path(), name, body);
        int tokens = c.intHeader("X-Sim-Tokens", config.tokens());
        int limit = maxTokens(kind, body);
        String doneReason = "stop";
        if (limit >= 0 && limit < tokens) {
            tokens = limit;
            doneReason = "length";
        }
        double tps = c.doubleHeader("X-Sim-Tokens-Per-Second", config.tokensPerSecond());
        long delay = c.intHeader("X-Sim-First-Byte-Delay-Ms", (int) config.firstByteDelayMs());
        int failAfter = c.intHeader("X-Sim-Fail-After", -1);
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        Generation g = new Generation(c.requestId(), c.match().path(), name, prompt, Generation.tokens(tokens), doneReason,
                stream, Instant.now(), SimCall.IDS.getAndIncrement());
        c.ctx().channel().config().setAutoRead(false);
        Emitter e = new Emitter(c.ctx(), kind, g, includeUsage, tps, failAfter, c.recorder(), c.keepAlive(), () -> {
            current.accept(null);
            // The connection may carry a next request: read it only once this answer is written.
            c.ctx().channel().config().setAutoRead(true);
        });
        current.accept(e);
        e.start(delay);
    }

    private static int maxTokens(Formats.Kind kind, JsonNode body) {
        JsonNode n = switch (kind) {
            case GENERATE, CHAT -> body.path("options").path("num_predict");
            case RESPONSES -> body.path("max_output_tokens");
            default -> body.has("max_completion_tokens") ? body.path("max_completion_tokens") : body.path("max_tokens");
        };
        return n.isNumber() && n.asInt() >= 0 ? n.asInt() : -1;
    }

    void transcribe(SimCall c) {
        HttpPostMultipartRequestDecoder d = null;
        try {
            d = new HttpPostMultipartRequestDecoder(new DefaultHttpDataFactory(false), c.req(), StandardCharsets.UTF_8);
            String model = null;
            for (InterfaceHttpData part : d.getBodyHttpDatas()) {
                if (part instanceof Attribute a && a.getName().equals("model")) {
                    model = a.getValue();
                }
            }
            if (model == null || c.requireModel(models, model) == null) {
                if (model == null) {
                    c.error(HttpResponseStatus.BAD_REQUEST, "model is required");
                }
                return;
            }
            c.json(HttpResponseStatus.OK, obj().put("text", "simulated transcription"));
        } catch (Exception e) {
            c.error(HttpResponseStatus.BAD_REQUEST, "invalid multipart body");
        } finally {
            if (d != null) {
                d.destroy();
            }
        }
    }
}
