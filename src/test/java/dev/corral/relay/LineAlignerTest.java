package dev.corral.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineAlignerTest {
    static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    static final String NDJSON = "{\"response\":\"a\",\"done\":false}\n{\"response\":\"b\\n\",\"done\":false}\n"
            + "{\"done\":true,\"eval_count\":2}\n";
    static final String SSE = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1}}\r\n\r\ndata: [DONE]\n\n";

    /** Feeds {@code body} cut at every pair of positions; returns the pieces sent for each cut. */
    static List<List<String>> pieces(String type, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        List<List<String>> all = new ArrayList<>();
        for (int i = 0; i <= b.length; i++) {
            for (int j = i; j <= b.length; j++) {
                LineAligner a = LineAligner.forContentType(type);
                List<String> sent = new ArrayList<>();
                int[][] parts = {{0, i}, {i, j}, {j, b.length}};
                for (int k = 0; k < 3; k++) {
                    ByteBuf in = ALLOC.buffer().writeBytes(b, parts[k][0], parts[k][1] - parts[k][0]);
                    ByteBuf out = a.align(in, ALLOC, k == 2);
                    if (out.isReadable() || k == 2) {
                        sent.add(out.toString(StandardCharsets.UTF_8));
                    }
                    out.release();
                }
                a.release();
                all.add(sent);
                // every buffer fed in is released by now: what was sent by the release above, the rest by the aligner

            }
        }
        return all;
    }

    @Test
    void ndjsonIsSentInWholeLinesWhereverOllamasChunksEnd() {
        for (List<String> sent : pieces("application/x-ndjson", NDJSON)) {
            assertThat(String.join("", sent)).isEqualTo(NDJSON);
            for (String p : sent.subList(0, sent.size() - 1)) {
                assertThat(p).endsWith("\n");
            }
        }
    }

    @Test
    void eventStreamsAreSentInWholeEvents() {
        for (List<String> sent : pieces("text/event-stream; charset=utf-8", SSE)) {
            assertThat(String.join("", sent)).isEqualTo(SSE);
            for (String p : sent.subList(0, sent.size() - 1)) {
                assertThat(p.endsWith("\n\n") || p.endsWith("\r\n\r\n")).as(p).isTrue();
            }
        }
    }

    @Test
    void otherAnswersAreNotAlignedAndAHugeLineIsNotHeld() {
        assertThat(LineAligner.forContentType("application/json")).isNull();
        assertThat(LineAligner.forContentType(null)).isNull();
        LineAligner a = LineAligner.forContentType("application/x-ndjson");
        ByteBuf big = ALLOC.buffer().writeBytes(new byte[LineAligner.MAX_HELD + 1]);
        ByteBuf out = a.align(big, ALLOC, false);
        assertThat(out.readableBytes()).isEqualTo(LineAligner.MAX_HELD + 1);
        out.release();
        // what is held when the answer ends early is released
        ByteBuf part = ALLOC.buffer().writeBytes("{\"resp".getBytes(StandardCharsets.UTF_8));
        assertThat(a.align(part, ALLOC, false).isReadable()).isFalse();
        a.release();
        assertThat(part.refCnt()).isZero();
    }
}
