package dev.corral.pipeline;

import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * The request's framing: what the HTTP decoder could not read (too long, malformed) and what it
 * read but Ollama might read differently ({@link FramingRules}) is refused, and the connection
 * closed, since where this request ends and the next begins is in doubt.
 */
public final class Framing implements Step {
    @Override
    public Decision apply(Exchange ex) {
        DecoderResult dr = ex.request().decoderResult();
        if (dr.isFailure()) {
            return Decision.refuse(decoderRefusal(dr.cause()).closing());
        }
        Refusal r = FramingRules.check(ex.request());
        return r == null ? Decision.CONTINUE : Decision.refuse(r.closing());
    }

    static Refusal decoderRefusal(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return Refusal.of(RefusalKind.URI_TOO_LONG, "request_line_too_long", "request line too long");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return Refusal.of(RefusalKind.HEADERS_TOO_LARGE, "headers_too_large", "request headers too large");
        }
        if (cause instanceof TooLongFrameException) {
            return Refusal.of(RefusalKind.BAD_REQUEST, "frame_too_long", "malformed request");
        }
        return Refusal.of(RefusalKind.BAD_REQUEST, "malformed_request", "malformed HTTP request");
    }
}
