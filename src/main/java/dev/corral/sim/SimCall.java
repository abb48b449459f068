package dev.corral.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.route.Dialect;
import dev.corral.route.RouteMatch;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulated request being answered: its body, headers and model, read the way Ollama reads them,
 * and its answers (JSON, errors in the route's dialect, empty bodies).
 */
final class SimCall {
    /** The next generation's id; it also names requests that carry no X-Request-Id. */
    static final AtomicLong IDS = new AtomicLong(1);

    private final ChannelHandlerContext ctx;
    private final FullHttpRequest req;
    private final RouteMatch match;
    private final String requestId;
    private final boolean keepAlive;
    private final SimRecorder recorder;

    SimCall(ChannelHandlerContext ctx, FullHttpRequest req, RouteMatch match, String requestId, boolean keepAlive,
            SimRecorder recorder) {
        this.ctx = ctx;
        this.req = req;
        this.match = match;
        this.requestId = requestId;
        this.keepAlive = keepAlive;
        this.recorder = recorder;
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    FullHttpRequest req() {
        return req;
    }

    RouteMatch match() {
        return match;
    }

    String requestId() {
        return requestId;
    }

    boolean keepAlive() {
        return keepAlive;
    }

    SimRecorder recorder() {
        return recorder;
    }

    Dialect dialect() {
        return match.dialect();
    }

    static ObjectNode obj() {
        return Formats.JSON.createObjectNode();
    }

    /** The body as a JSON object; otherwise answers 400 and returns null. */
    JsonNode parse() {
        try {
            JsonNode n = Formats.JSON.readTree(new ByteBufInputStream(req.content().duplicate()));
            if (n == null || !n.isObject()) {
                error(HttpResponseStatus.BAD_REQUEST, "invalid request: the body must be a JSON object");
                return null;
            }
            return n;
        } catch (Exception e) {
            error(HttpResponseStatus.BAD_REQUEST, "invalid character in JSON body");
            return null;
        }
    }

    /** The body's model, when it names one the simulator has; otherwise answers 400 or 404 and returns null. */
    String requireModelField(SimModels models, JsonNode body) {
        String name = body.path("model").asText("");
        if (name.isEmpty()) {
            error(HttpResponseStatus.BAD_REQUEST, "model is required");
            return null;
        }
        return requireModel(models, name) == null ? null : name;
    }

    /** The named model; otherwise answers 404 and returns null. */
    SimModels.Model requireModel(SimModels models, String name) {
        SimModels.Model m = models.find(name);
        if (m == null) {
            error(HttpResponseStatus.NOT_FOUND, "model '" + name + "' not found");
        }
        return m;
    }

    int intHeader(String name, int dflt) {
        String v = req.headers().get(name);
        try {
            return v == null ? dflt : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    double doubleHeader(String name, double dflt) {
        String v = req.headers().get(name);
        try {
            return v == null ? dflt : Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    void error(HttpResponseStatus status, String message) {
        ObjectNode o = obj();
        switch (dialect()) {
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
        json(status, o);
    }

    void json(HttpResponseStatus status, ObjectNode o) {
        bytes(status, "application/json; charset=utf-8", Formats.bytes(o));
    }

    void empty(HttpResponseStatus status) {
        bytes(status, null, new byte[0]);
    }

    void bytes(HttpResponseStatus status, String type, byte[] body) {
        SimResponse.write(ctx, status, type, body, keepAlive, recorder);
    }
}
