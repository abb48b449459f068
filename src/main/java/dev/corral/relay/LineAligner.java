package dev.corral.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Locale;

/**
 * Sends a streamed answer in whole lines (NDJSON) or whole events (SSE): a chunk Corral reads from
 * Ollama may end inside a line (the read buffer's size decides where), and clients that parse one
 * JSON object per chunk, which many hand-written ones do, break on half a line. The tail after the
 * last boundary waits for the bytes that complete it; at the end of the answer everything goes. A
 * line longer than {@link #MAX_HELD} is sent as it comes: the aligner never holds an answer.
 */
public final class LineAligner {
    /** More than this waiting without a boundary is passed on unaligned. */
    static final int MAX_HELD = 1 << 20;

    private final boolean events;
    private ByteBuf held;

    private LineAligner(boolean events) {
        this.events = events;
    }

    /** An aligner for a response of this content type, or null when its chunks need no aligning. */
    public static LineAligner forContentType(String contentType) {
        String t = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (t.startsWith("application/x-ndjson")) {
            return new LineAligner(false);
        }
        if (t.startsWith("text/event-stream")) {
            return new LineAligner(true);
        }
        return null;
    }

    /**
     * Takes {@code in} (released or passed on) and returns what to send now, possibly empty; at
     * {@code last}, everything. The caller owns what it gets back.
     */
    public ByteBuf align(ByteBuf in, ByteBufAllocator alloc, boolean last) {
        ByteBuf all = in;
        if (held != null) {
            CompositeByteBuf both = alloc.compositeBuffer(2);
            both.addComponents(true, held, in);
            held = null;
            all = both;
        }
        if (last || !all.isReadable()) {
            return all;
        }
        int end = boundaryEnd(all);
        if (end < 0) {
            if (all.readableBytes() > MAX_HELD) {
                return all;
            }
            held = all;
            return Unpooled.EMPTY_BUFFER;
        }
        if (end == all.writerIndex()) {
            return all;
        }
        ByteBuf now = all.readRetainedSlice(end - all.readerIndex());
        held = all; // the rest, from the new reader index
        return now;
    }

    /** Releases what is held (the answer ended early). */
    public void release() {
        if (held != null) {
            held.release();
            held = null;
        }
    }

    /** The index just after the last boundary ("\n", or "\n\n" for events), or -1. */
    private int boundaryEnd(ByteBuf b) {
        int from = b.readerIndex();
        int i = b.writerIndex() - 1;
        while (i >= from) {
            int lf = b.forEachByteDesc(from, i - from + 1, v -> v != '\n');
            if (lf < 0) {
                return -1;
            }
            if (!events || (lf > from && (b.getByte(lf - 1) == '\n'
                    || (b.getByte(lf - 1) == '\r' && lf - 1 > from && b.getByte(lf - 2) == '\n')))) {
                return lf + 1;
            }
            i = lf - 1;
        }
        return -1;
    }
}
