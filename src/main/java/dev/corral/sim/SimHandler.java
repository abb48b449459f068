package dev.corral.sim;

import static dev.corral.sim.SimCall.obj;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.route.RouteClass;
import dev.corral.route.RouteMatch;
import dev.corral.route.RouteTable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers one simulated Ollama request at a time on a connection: records it, checks Host, and hands it
 * by route (shared/ollama-upstream.md) to the answers for that route; keeps the emitter streaming the
 * current generation so writability and disconnects reach it.
 */
final class SimHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final RouteTable ROUTES = RouteTable.ollama();

    private final SimConfig config;
    private final SimRecorder recorder;
    private final HostCheck hostCheck;
    private final ModelInfoAnswers info;
    private final GenerateAnswers generation;
    private final EmbedAnswers embeddings;
    private final ModelAdminAnswers admin;
    private Emitter current;

    SimHandler(SimConfig config, SimModels models, SimRecorder recorder, HostCheck hostCheck, SimScheduler scheduler) {
        this.config = config;
        this.recorder = recorder;
        this.hostCheck = hostCheck;
        this.info = new ModelInfoAnswers(models);
        this.generation = new GenerateAnswers(config, models, scheduler);
        this.embeddings = new EmbedAnswers(models, scheduler);
        this.admin = new ModelAdminAnswers(models, config.pullPaceMs());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String requestId = req.headers().get("X-Request-Id", "sim-" + SimCall.IDS.get());
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : req.headers()) {
            headers.computeIfAbsent(h.getKey(), k -> new ArrayList<>()).add(h.getValue());
        }
        recorder.request(new SimRecorder.Request(requestId, req.method().name(), req.uri(), headers,
                req.content().readableBytes()));
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!req.decoderResult().isSuccess()) {
            text(ctx, HttpResponseStatus.BAD_REQUEST, "400 Bad Request", false);
            return;
        }
        if (!hostCheck.allowed(req.headers().get(HttpHeaderNames.HOST))) {
            SimResponse.write(ctx, HttpResponseStatus.FORBIDDEN, null, new byte[0], keepAlive, recorder);
            return;
        }
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (path.equals("/__sim/stats") && req.method().equals(HttpMethod.GET)) {
            stats(ctx, keepAlive);
            return;
        }
        RouteMatch m = ROUTES.classify(req.method(), path, EnumSet.allOf(RouteClass.class));
        switch (m.kind()) {
            case NOT_FOUND, BAD_TARGET -> {
                text(ctx, HttpResponseStatus.NOT_FOUND, "404 page not found", keepAlive);
                return;
            }
            case METHOD_NOT_ALLOWED -> {
                text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "405 method not allowed", keepAlive);
                return;
            }
            default -> { }
        }
        SimCall call = new SimCall(ctx, req, m, requestId, keepAlive, recorder);
        switch (m.route().name()) {
            case "root" -> text(ctx, HttpResponseStatus.OK, "Ollama is running", keepAlive);
            case "version" -> call.json(HttpResponseStatus.OK, obj().put("version", config.version()));
            case "status" -> {
                ObjectNode o = obj();
                o.putObject("cloud").put("disabled", false);
                call.json(HttpResponseStatus.OK, o);
            }
            case "tags" -> info.tags(call);
            case "ps" -> info.ps(call);
            case "show" -> info.show(call);
            case "blob_head" -> info.blobHead(call);
            case "openai_models" -> info.openAiModels(call);
            case "openai_model" -> info.openAiModel(call);
            case "model_recommendations" -> {
                ObjectNode o = obj();
                o.putArray("recommendations");
                call.json(HttpResponseStatus.OK, o);
            }
            case "generate" -> generate(call, Formats.Kind.GENERATE);
            case "chat" -> generate(call, Formats.Kind.CHAT);
            case "openai_chat" -> generate(call, Formats.Kind.OPENAI_CHAT);
            case "openai_completions" -> generate(call, Formats.Kind.OPENAI_COMPLETION);
            case "openai_responses" -> generate(call, Formats.Kind.RESPONSES);
            case "anthropic_messages" -> generate(call, Formats.Kind.ANTHROPIC);
            case "embed", "embeddings", "openai_embeddings" -> embeddings.embed(call);
            case "openai_transcriptions" -> generation.transcribe(call);
            case "pull", "push" -> admin.progress(call, m.route().name());
            case "create" -> admin.progress(call, "create");
            case "delete" -> admin.delete(call);
            case "copy" -> admin.copy(call);
            case "blob_upload" -> call.empty(HttpResponseStatus.CREATED);
            default -> call.error(HttpResponseStatus.UNAUTHORIZED, "unauthorized"); // account routes: not signed in
        }
    }

    private void generate(SimCall call, Formats.Kind kind) {
        generation.generate(call, kind, e -> current = e);
    }

    /** The simulator's own counters, for load tests to read (not an Ollama route). */
    private void stats(ChannelHandlerContext ctx, boolean keepAlive) {
        ObjectNode o = obj();
        o.put("requests", recorder.requests().size()).put("bytes_written", recorder.bytesWritten())
                .put("loads", recorder.loads()).put("reloads", recorder.reloads());
        ArrayNode gens = o.putArray("generations");
        for (SimRecorder.Generation g : recorder.generations()) {
            gens.addObject().put("request_id", g.requestId()).put("path", g.path()).put("model", g.model())
                    .put("prompt_tokens", g.promptTokens()).put("completion_tokens", g.completionTokens())
                    .put("tokens_sent", g.tokensSent()).put("cancelled", g.cancelled());
        }
        SimResponse.write(ctx, HttpResponseStatus.OK, "application/json; charset=utf-8", Formats.bytes(o), keepAlive,
                recorder);
    }

    private void text(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive) {
        SimResponse.write(ctx, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8), keepAlive,
                recorder);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        recorder.connected();
        ctx.fireChannelActive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Emitter e = current;
        if (e != null && ctx.channel().isWritable()) {
            e.pump();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Emitter e = current;
        current = null;
        if (e != null) {
            e.cancelled();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
