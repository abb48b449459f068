package dev.corral.server;

import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpContent;

/**
 * A request body being read whole, within a limit: parts are kept as they came (no copy) in one
 * composite buffer, made only when a part holds bytes. Owns what it holds; {@link #release} is
 * safe more than once.
 */
final class RequestBody {
    private final ByteBufAllocator alloc;
    private final long max;
    private CompositeByteBuf parts;

    RequestBody(ByteBufAllocator alloc, long max) {
        this.alloc = alloc;
        this.max = max;
    }

    /** Takes over {@code c}; returns null, or the refusal when the part is malformed or the body too large. */
    Refusal add(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            c.release();
            // In a body, even a too-long line is a malformed chunk, not a long URI.
            return Refusal.of(RefusalKind.BAD_REQUEST, "malformed_body", "malformed request body framing").closing();
        }
        int n = c.content().readableBytes();
        if (size() + n > max) {
            c.release();
            return Refusal.of(RefusalKind.PAYLOAD_TOO_LARGE, "body_too_large", "request body is larger than " + max + " bytes")
                    .closing();
        }
        if (n == 0) {
            c.release();
        } else {
            if (parts == null) {
                parts = alloc.compositeBuffer(1024);
            }
            parts.addComponent(true, c.content()); // takes over c's reference
        }
        return null;
    }

    long size() {
        return parts == null ? 0 : parts.readableBytes();
    }

    /** The body read so far (still owned here). */
    ByteBuf content() {
        return parts == null ? Unpooled.EMPTY_BUFFER : parts;
    }

    void release() {
        if (parts != null) {
            parts.release();
            parts = null;
        }
    }
}
