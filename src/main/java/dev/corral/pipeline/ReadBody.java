package dev.corral.pipeline;

import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import dev.corral.route.BodyKind;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The request body, read whole before anything looks at it (Ollama decodes it whole too), within
 * limits.max_body_bytes (a larger declared length is refused before a byte is read; the connection
 * enforces the limit while reading a chunked one). A route that takes no body refuses one, and an
 * Expect other than 100-continue is refused (RFC 9110 §10.1.1).
 */
public final class ReadBody implements Step {
    private final long maxBytes;

    public ReadBody(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public Decision apply(Exchange ex) {
        if (ex.bodyRead()) {
            return Decision.CONTINUE;
        }
        HttpRequest req = ex.request();
        boolean present = hasBody(req);
        if (present && ex.route().body() == BodyKind.NONE) {
            return Decision.refuse(Refusal.of(RefusalKind.BAD_REQUEST, "unexpected_body", "this route takes no request body").closing());
        }
        if (HttpUtil.getContentLength(req, -1L) > maxBytes) {
            return Decision.refuse(tooLarge(maxBytes).closing());
        }
        String expect = req.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            if (!expect.equalsIgnoreCase(HttpHeaderValues.CONTINUE.toString())) {
                return Decision.refuse(Refusal.of(RefusalKind.EXPECTATION_FAILED, "expectation", "unsupported expectation").closing());
            }
            if (present && req.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                return Decision.READ_BODY_AFTER_CONTINUE;
            }
        }
        return Decision.READ_BODY;
    }

    public long maxBytes() {
        return maxBytes;
    }

    static Refusal tooLarge(long maxBytes) {
        return Refusal.of(RefusalKind.PAYLOAD_TOO_LARGE, "body_too_large", "request body is larger than " + maxBytes + " bytes");
    }

    /** The request says a body follows. */
    public static boolean hasBody(HttpRequest req) {
        try {
            return HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
        } catch (NumberFormatException e) {
            return true; // a Content-Length that cannot be read: where the body ends is unknown
        }
    }
}
