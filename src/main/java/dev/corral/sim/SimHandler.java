package dev.corral.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.route.Dialect;
import dev.corral.route.RouteClass;
import dev.corral.route.RouteMatch;
import dev.corral.route.RouteTable;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.HttpPostMultipartRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Answers one simulated Ollama request at a time on a connection, by route (shared/ollama-upstream.md). */
final class SimHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final RouteTable ROUTES = RouteTable.ollama();
    private static final AtomicLong IDS = new AtomicLong(1);
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final SimConfig config;
    private final SimModels models;
    private final SimRecorder recorder;
    private final HostCheck hostCheck;
    private Emitter current;

    SimHandler(SimConfig config, SimModels models, SimRecorder recorder, HostCheck hostCheck) {
        this.config = config;
        this.models = models;
        this.recorder = recorder;
        this.hostCheck = hostCheck;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String requestId = req.headers().get("X-Request-Id", "sim-" + IDS.get());
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
            writeBytes(ctx, HttpResponseStatus.FORBIDDEN, null, new byte[0], keepAlive, recorder);
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
        Call call = new Call(ctx, req, m, requestId, keepAlive);
        switch (m.route().name()) {
            case "root" -> text(ctx, HttpResponseStatus.OK, "Ollama is running", keepAlive);
            case "version" -> json(call, HttpResponseStatus.OK, obj().put("version", config.version()));
            case "status" -> {
                ObjectNode o = obj();
                o.putObject("cloud").put("disabled", false);
                json(call, HttpResponseStatus.OK, o);
            }
            case "tags" -> tags(call);
            case "ps" -> ps(call);
            case "show" -> show(call);
            case "blob_head" -> blobHead(call);
            case "openai_models" -> openAiModels(call);
            case "openai_model" -> openAiModel(call);
            case "model_recommendations" -> {
                ObjectNode o = obj();
                o.putArray("recommendations");
                json(call, HttpResponseStatus.OK, o);
            }
            case "generate" -> generate(call, Formats.Kind.GENERATE);
            case "chat" -> generate(call, Formats.Kind.CHAT);
            case "openai_chat" -> generate(call, Formats.Kind.OPENAI_CHAT);
            case "openai_completions" -> generate(call, Formats.Kind.OPENAI_COMPLETION);
            case "openai_responses" -> generate(call, Formats.Kind.RESPONSES);
            case "anthropic_messages" -> generate(call, Formats.Kind.ANTHROPIC);
            case "embed", "embeddings", "openai_embeddings" -> embed(call);
            case "openai_transcriptions" -> transcribe(call);
            case "pull", "push" -> progress(call, m.route().name());
            case "create" -> progress(call, "create");
            case "delete" -> delete(call);
            case "copy" -> copy(call);
            case "blob_upload" -> writeBytes(ctx, HttpResponseStatus.CREATED, null, new byte[0], keepAlive, recorder);
            default -> error(call, HttpResponseStatus.UNAUTHORIZED, "unauthorized"); // account routes: not signed in
        }
    }

    /** The request being answered. */
    private record Call(ChannelHandlerContext ctx, FullHttpRequest req, RouteMatch match, String requestId,
                        boolean keepAlive) {
        Dialect dialect() {
            return match.dialect();
        }
    }

    // ---- meta ----

    private void tags(Call c) {
        ObjectNode o = obj();
        ArrayNode arr = o.putArray("models");
        for (SimModels.Model m : models.all()) {
            ObjectNode e = arr.addObject().put("name", m.name()).put("model", m.name())
                    .put("modified_at", m.modifiedAt().toString()).put("size", m.size()).put("digest", m.digest());
            details(e, m);
        }
        json(c, HttpResponseStatus.OK, o);
    }

    private void ps(Call c) {
        ObjectNode o = obj();
        ArrayNode arr = o.putArray("models");
        List<SimModels.Model> all = models.all();
        if (!all.isEmpty()) {
            SimModels.Model m = all.get(0);
            ObjectNode e = arr.addObject().put("name", m.name()).put("model", m.name()).put("size", m.size())
                    .put("digest", m.digest());
            details(e, m);
            e.put("expires_at", Instant.now().plusSeconds(300).toString()).put("size_vram", m.size())
                    .put("context_length", 4096);
        }
        json(c, HttpResponseStatus.OK, o);
    }

    private void show(Call c) {
        JsonNode body = parse(c);
        if (body == null) {
            return;
        }
        String name = body.path("model").asText(body.path("name").asText(""));
        SimModels.Model m = requireModel(c, name);
        if (m == null) {
            return;
        }
        ObjectNode o = obj().put("modelfile", "FROM " + m.name() + "\n").put("parameters", "stop \"<|eot|>\"")
                .put("template", "{{ .Prompt }}").put("license", "simulated");
        details(o, m);
        o.putObject("model_info").put("general.architecture", m.family()).put("general.parameter_count", 7_000_000_000L);
        ArrayNode caps = o.putArray("capabilities");
        caps.add(m.embedding() ? "embedding" : "completion");
        o.put("modified_at", m.modifiedAt().toString());
        json(c, HttpResponseStatus.OK, o);
    }

    private void blobHead(Call c) {
        String digest = c.match().params().get("digest");
        HttpResponseStatus s;
        if (!digest.matches("sha256[:-][0-9a-f]{64}")) {
            s = HttpResponseStatus.BAD_REQUEST;
        } else {
            s = models.hasBlob(digest.replace('-', ':')) ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND;
        }
        writeBytes(c.ctx(), s, null, new byte[0], c.keepAlive(), recorder);
    }

    private void openAiModels(Call c) {
        ObjectNode o = obj().put("object", "list");
        ArrayNode data = o.putArray("data");
        for (SimModels.Model m : models.all()) {
            data.addObject().put("id", m.name()).put("object", "model").put("created", m.modifiedAt().getEpochSecond())
                    .put("owned_by", "library");
        }
        json(c, HttpResponseStatus.OK, o);
    }

    private void openAiModel(Call c) {
        SimModels.Model m = requireModel(c, c.match().params().get("model"));
        if (m != null) {
            json(c, HttpResponseStatus.OK, obj().put("id", m.name()).put("object", "model")
                    .put("created", m.modifiedAt().getEpochSecond()).put("owned_by", "library"));
        }
    }

    // ---- inference ----

    private void generate(Call c, Formats.Kind kind) {
        JsonNode body = parse(c);
        String name = body == null ? null : requireModelField(c, body);
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
            ObjectNode o = obj().put("model", name).put("created_at", Instant.now().toString());
            if (kind == Formats.Kind.CHAT) {
                o.putObject("message").put("role", "assistant").put("content", "");
            } else {
                o.put("response", "");
            }
            o.put("done", true).put("done_reason", unload ? "unload" : "load");
            json(c, HttpResponseStatus.OK, o);
            return;
        }
        int tokens = intHeader(c, "X-Sim-Tokens", config.tokens());
        int limit = maxTokens(kind, body);
        String doneReason = "stop";
        if (limit >= 0 && limit < tokens) {
            tokens = limit;
            doneReason = "length";
        }
        double tps = doubleHeader(c, "X-Sim-Tokens-Per-Second", config.tokensPerSecond());
        long delay = intHeader(c, "X-Sim-First-Byte-Delay-Ms", (int) config.firstByteDelayMs());
        int failAfter = intHeader(c, "X-Sim-Fail-After", -1);
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        Generation g = new Generation(c.requestId(), c.match().path(), name, prompt, Generation.tokens(tokens), doneReason,
                stream, Instant.now(), IDS.getAndIncrement());
        c.ctx().channel().config().setAutoRead(false);
        current = new Emitter(c.ctx(), kind, g, includeUsage, tps, failAfter, recorder, c.keepAlive(), () -> {
            current = null;
            // The connection may carry a next request: read it only once this answer is written.
            c.ctx().channel().config().setAutoRead(true);
        });
        current.start(delay);
    }

    private void embed(Call c) {
        JsonNode body = parse(c);
        String route = c.match().route().name();
        String format = body == null || !route.equals("openai_embeddings") ? "" : openAiEmbedFormat(c, body);
        String name = format == null ? null : requireModelField(c, body);
        if (name == null) {
            return;
        }
        JsonNode input = route.equals("embeddings") ? body.path("prompt") : body.path("input");
        List<String> inputs = new ArrayList<>();
        if (input.isArray()) {
            input.forEach(n -> inputs.add(n.asText()));
        } else {
            inputs.add(input.asText(""));
        }
        int tokens = 0;
        for (String s : inputs) {
            tokens += Math.max(1, PromptTokens.words(s));
        }
        ObjectNode o = obj();
        switch (route) {
            case "embeddings" -> Embeddings.addFloat64s(o.putArray("embedding"), Embeddings.raw(inputs.get(0)));
            case "embed" -> {
                o.put("model", name);
                ArrayNode arr = o.putArray("embeddings");
                for (String s : inputs) {
                    Embeddings.addFloat32s(arr.addArray(), Embeddings.normalized(s));
                }
                o.put("total_duration", 10_000_000L).put("load_duration", 1_000_000L).put("prompt_eval_count", tokens);
            }
            default -> {
                o.put("object", "list");
                ArrayNode data = o.putArray("data");
                for (int i = 0; i < inputs.size(); i++) {
                    ObjectNode e = data.addObject().put("object", "embedding");
                    float[] v = Embeddings.normalized(inputs.get(i));
                    if (Embeddings.isBase64(format)) {
                        e.put("embedding", Embeddings.base64(v));
                    } else {
                        Embeddings.addFloat32s(e.putArray("embedding"), v);
                    }
                    e.put("index", i);
                }
                o.put("model", name);
                o.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
            }
        }
        recorder.generation(new SimRecorder.Generation(c.requestId(), c.match().path(), name, tokens, 0, 0, false));
        if (route.equals("openai_embeddings")) {
            // Ollama's EmbedWriter re-encodes with json.Encoder (a trailing newline) under "application/json".
            byte[] json = Formats.bytes(o);
            byte[] line = java.util.Arrays.copyOf(json, json.length + 1);
            line[json.length] = '\n';
            writeBytes(c.ctx(), HttpResponseStatus.OK, "application/json", line, c.keepAlive(), recorder);
        } else {
            json(c, HttpResponseStatus.OK, o);
        }
    }

    /**
     * The checks EmbeddingsMiddleware (middleware/openai.go) makes before the model is looked up: the body binds
     * (encoding_format is a string), encoding_format is float or base64 in any case, input is present and not
     * an empty list. Returns the format ("" when absent), or null after answering 400.
     */
    private String openAiEmbedFormat(Call c, JsonNode body) {
        JsonNode f = body.path("encoding_format");
        if (!f.isMissingNode() && !f.isNull() && !f.isTextual()) {
            error(c, HttpResponseStatus.BAD_REQUEST, "json: cannot unmarshal " + goJsonType(f)
                    + " into Go struct field EmbedRequest.encoding_format of type string");
            return null;
        }
        String format = f.asText("");
        if (!Embeddings.validFormat(format)) {
            error(c, HttpResponseStatus.BAD_REQUEST, "Invalid value for 'encoding_format' = " + format
                    + ". Supported values: ['float', 'base64'].");
            return null;
        }
        JsonNode input = body.path("input");
        if (input.isMissingNode() || input.isNull() || (input.isArray() && input.isEmpty())) {
            error(c, HttpResponseStatus.BAD_REQUEST, "invalid input");
            return null;
        }
        return format;
    }

    private static String goJsonType(JsonNode n) {
        if (n.isNumber()) {
            return "number";
        }
        if (n.isBoolean()) {
            return "bool";
        }
        return n.isArray() ? "array" : "object";
    }

    private void transcribe(Call c) {
        HttpPostMultipartRequestDecoder d = null;
        try {
            d = new HttpPostMultipartRequestDecoder(new DefaultHttpDataFactory(false), c.req(), StandardCharsets.UTF_8);
            String model = null;
            for (InterfaceHttpData part : d.getBodyHttpDatas()) {
                if (part instanceof Attribute a && a.getName().equals("model")) {
                    model = a.getValue();
                }
            }
            if (model == null || requireModel(c, model) == null) {
                if (model == null) {
                    error(c, HttpResponseStatus.BAD_REQUEST, "model is required");
                }
                return;
            }
            json(c, HttpResponseStatus.OK, obj().put("text", "simulated transcription"));
        } catch (Exception e) {
            error(c, HttpResponseStatus.BAD_REQUEST, "invalid multipart body");
        } finally {
            if (d != null) {
                d.destroy();
            }
        }
    }

    // ---- admin ----

    private void progress(Call c, String what) {
        JsonNode body = parse(c);
        if (body == null) {
            return;
        }
        String name = body.path("model").asText(body.path("name").asText(""));
        if (!SimModels.validName(name)) {
            error(c, HttpResponseStatus.BAD_REQUEST, "invalid model name");
            return;
        }
        if (what.equals("push") && models.find(name) == null) {
            error(c, HttpResponseStatus.NOT_FOUND, "model '" + name + "' not found");
            return;
        }
        String digest = "sha256:" + SimModels.sha256(SimModels.canonical(name));
        List<ObjectNode> lines = new ArrayList<>();
        switch (what) {
            case "pull" -> {
                lines.add(obj().put("status", "pulling manifest"));
                lines.add(obj().put("status", "pulling " + digest.substring(7, 19)).put("digest", digest)
                        .put("total", 1000).put("completed", 500));
                lines.add(obj().put("status", "pulling " + digest.substring(7, 19)).put("digest", digest)
                        .put("total", 1000).put("completed", 1000));
                lines.add(obj().put("status", "verifying sha256 digest"));
                lines.add(obj().put("status", "writing manifest"));
            }
            case "push" -> {
                lines.add(obj().put("status", "retrieving manifest"));
                lines.add(obj().put("status", "pushing " + digest.substring(7, 19)).put("digest", digest).put("total", 1000)
                        .put("completed", 1000));
                lines.add(obj().put("status", "pushing manifest"));
            }
            default -> {
                lines.add(obj().put("status", "reading model metadata"));
                lines.add(obj().put("status", "using existing layer " + digest));
                lines.add(obj().put("status", "writing manifest"));
            }
        }
        lines.add(obj().put("status", "success"));
        if (!what.equals("push")) {
            models.add(name);
        }
        boolean stream = body.path("stream").asBoolean(true);
        if (!stream) {
            json(c, HttpResponseStatus.OK, lines.get(lines.size() - 1));
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (ObjectNode l : lines) {
            sb.append(new String(Formats.bytes(l), StandardCharsets.UTF_8)).append('\n');
        }
        writeBytes(c.ctx(), HttpResponseStatus.OK, "application/x-ndjson", sb.toString().getBytes(StandardCharsets.UTF_8),
                c.keepAlive(), recorder);
    }

    private void delete(Call c) {
        JsonNode body = parse(c);
        if (body == null) {
            return;
        }
        String name = body.path("model").asText(body.path("name").asText(""));
        if (!models.remove(name)) {
            error(c, HttpResponseStatus.NOT_FOUND, "model '" + name + "' not found");
            return;
        }
        writeBytes(c.ctx(), HttpResponseStatus.OK, null, new byte[0], c.keepAlive(), recorder);
    }

    private void copy(Call c) {
        JsonNode body = parse(c);
        if (body == null) {
            return;
        }
        String source = body.path("source").asText("");
        String dest = body.path("destination").asText("");
        if (models.find(source) == null) {
            error(c, HttpResponseStatus.NOT_FOUND, "model '" + source + "' not found");
            return;
        }
        if (!SimModels.validName(dest)) {
            error(c, HttpResponseStatus.BAD_REQUEST, "invalid destination name");
            return;
        }
        models.add(dest);
        writeBytes(c.ctx(), HttpResponseStatus.OK, null, new byte[0], c.keepAlive(), recorder);
    }

    // ---- helpers ----

    private void stats(ChannelHandlerContext ctx, boolean keepAlive) {
        ObjectNode o = obj();
        o.put("requests", recorder.requests().size()).put("bytes_written", recorder.bytesWritten());
        ArrayNode gens = o.putArray("generations");
        for (SimRecorder.Generation g : recorder.generations()) {
            gens.addObject().put("request_id", g.requestId()).put("path", g.path()).put("model", g.model())
                    .put("prompt_tokens", g.promptTokens()).put("completion_tokens", g.completionTokens())
                    .put("tokens_sent", g.tokensSent()).put("cancelled", g.cancelled());
        }
        writeBytes(ctx, HttpResponseStatus.OK, "application/json; charset=utf-8", Formats.bytes(o), keepAlive, recorder);
    }

    private JsonNode parse(Call c) {
        ByteBuf content = c.req().content();
        try {
            JsonNode n = Formats.JSON.readTree(new io.netty.buffer.ByteBufInputStream(content.duplicate()));
            if (n == null || !n.isObject()) {
                error(c, HttpResponseStatus.BAD_REQUEST, "invalid request: the body must be a JSON object");
                return null;
            }
            return n;
        } catch (Exception e) {
            error(c, HttpResponseStatus.BAD_REQUEST, "invalid character in JSON body");
            return null;
        }
    }

    /** The body's model, when it names one the simulator has; otherwise answers 400 or 404 and returns null. */
    private String requireModelField(Call c, JsonNode body) {
        String name = body.path("model").asText("");
        if (name.isEmpty()) {
            error(c, HttpResponseStatus.BAD_REQUEST, "model is required");
            return null;
        }
        return requireModel(c, name) == null ? null : name;
    }

    private SimModels.Model requireModel(Call c, String name) {
        SimModels.Model m = models.find(name);
        if (m == null) {
            error(c, HttpResponseStatus.NOT_FOUND, "model '" + name + "' not found");
        }
        return m;
    }

    private void details(ObjectNode o, SimModels.Model m) {
        ObjectNode d = o.putObject("details");
        d.put("parent_model", "").put("format", "gguf").put("family", m.family());
        d.putArray("families").add(m.family());
        d.put("parameter_size", m.parameterSize()).put("quantization_level", "Q4_K_M");
    }

    private static int maxTokens(Formats.Kind kind, JsonNode body) {
        JsonNode n = switch (kind) {
            case GENERATE, CHAT -> body.path("options").path("num_predict");
            case RESPONSES -> body.path("max_output_tokens");
            default -> body.has("max_completion_tokens") ? body.path("max_completion_tokens") : body.path("max_tokens");
        };
        return n.isNumber() && n.asInt() >= 0 ? n.asInt() : -1;
    }

    private void error(Call c, HttpResponseStatus status, String message) {
        ObjectNode o = obj();
        switch (c.dialect()) {
            // openai.NewError: 400 invalid_request_error, 404 not_found_error, anything else api_error.
            case OPENAI -> o.putObject("error").put("message", message)
                    .put("type", switch (status.code()) {
                        case 400 -> "invalid_request_error";
                        case 404 -> "not_found_error";
                        default -> "api_error";
                    }).putNull("param").putNull("code");
            case ANTHROPIC -> {
                o.put("type", "error");
                o.putObject("error").put("type", status.code() == 404 ? "not_found_error" : "invalid_request_error")
                        .put("message", message);
            }
            default -> o.put("error", message);
        }
        json(c, status, o);
    }

    private void json(Call c, HttpResponseStatus status, ObjectNode o) {
        writeBytes(c.ctx(), status, "application/json; charset=utf-8", Formats.bytes(o), c.keepAlive(), recorder);
    }

    private void text(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive) {
        writeBytes(ctx, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8), keepAlive, recorder);
    }

    static void writeBytes(ChannelHandlerContext ctx, HttpResponseStatus status, String type, byte[] body,
                           boolean keepAlive, SimRecorder recorder) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                ctx.alloc().buffer(body.length).writeBytes(body));
        if (type != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        }
        r.headers().set(HttpHeaderNames.DATE, httpDate());
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, "close");
        }
        recorder.wrote(body.length);
        ctx.writeAndFlush(r).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
        ctx.channel().config().setAutoRead(true);
    }

    static String httpDate() {
        return HTTP_DATE.format(Instant.now());
    }

    private static ObjectNode obj() {
        return Formats.JSON.createObjectNode();
    }

    private static int intHeader(Call c, String name, int dflt) {
        String v = c.req().headers().get(name);
        try {
            return v == null ? dflt : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static double doubleHeader(Call c, String name, double dflt) {
        String v = c.req().headers().get(name);
        try {
            return v == null ? dflt : Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
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
