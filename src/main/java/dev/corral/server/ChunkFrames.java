package dev.corral.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Frames the chunks of a chunked response body itself and writes them under the HTTP codec, so a
 * streamed token costs one outbound message (size line, data and CRLF in one buffer) instead of the
 * encoder's three, each with its own promise, joined by a promise combiner. The bytes on the wire are
 * the encoder's exactly (RFC 9112 §7.1: hex size, CRLF, data, CRLF; no extensions); the response head
 * and the last chunk (with any trailers) still go through the encoder, which keeps its state right.
 * Confined to the connection's event loop.
 */
final class ChunkFrames {
    /** Data up to this size is copied into the frame's buffer; larger data is written as it is, between its framing. */
    static final int COPY_LIMIT = 4096;
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final ByteBuf CRLF = Unpooled.unreleasableBuffer(Unpooled.directBuffer(2).writeByte('\r').writeByte('\n'))
            .asReadOnly();

    private ChunkFrames() {
    }

    /**
     * Whether the encoder would send this response's body in chunks, which is when it may be framed
     * here: the head says chunked and the body is not always empty (a HEAD request's answer, 1xx, 204
     * and 304 have none, whatever their headers say).
     */
    static boolean applies(HttpResponse head, HttpMethod requestMethod, boolean bodyless) {
        int code = head.status().code();
        return !bodyless && code >= 200 && code != 204 && code != 304 && !HttpMethod.HEAD.equals(requestMethod)
                && HttpUtil.isTransferEncodingChunked(head);
    }

    /**
     * Writes {@code data} (released) as one chunk on {@code below}, the context of the HTTP codec, so
     * the write starts under it. Nothing is written for empty data (an empty chunk would end the body).
     */
    static void write(ChannelHandlerContext below, ByteBuf data) {
        int n = data.readableBytes();
        if (n == 0) {
            data.release();
            return;
        }
        int digits = hexDigits(n);
        if (n <= COPY_LIMIT) {
            ByteBuf frame = below.alloc().directBuffer(digits + 4 + n);
            sizeLine(frame, n, digits);
            frame.writeBytes(data, data.readerIndex(), n);
            frame.writeShort(('\r' << 8) | '\n');
            data.release();
            below.write(frame, below.voidPromise());
            return;
        }
        ByteBuf size = below.alloc().directBuffer(digits + 2);
        sizeLine(size, n, digits);
        below.write(size, below.voidPromise());
        below.write(data, below.voidPromise());
        below.write(CRLF.duplicate(), below.voidPromise());
    }

    private static void sizeLine(ByteBuf out, int n, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            out.writeByte(HEX[(n >>> shift) & 0xf]);
        }
        out.writeShort(('\r' << 8) | '\n');
    }

    private static int hexDigits(int n) {
        return Math.max(1, (32 - Integer.numberOfLeadingZeros(n) + 3) / 4);
    }
}
