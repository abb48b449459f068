package dev.corral.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** Chunks framed by {@link ChunkFrames} under the codec are the bytes Netty's encoder writes, in the same order. */
class ChunkFramesTest {
    private static final int[] SIZES = {1, 15, 16, 17, 255, 256, 4095, ChunkFrames.COPY_LIMIT, ChunkFrames.COPY_LIMIT + 1, 65535, 70000};

    @Test
    void framedChunksAreTheEncodersBytesAtEverySizeOnEitherSideOfTheCopyLimit() {
        for (int n : SIZES) {
            byte[] data = bytes(n, n);
            String ours = wire((codec, ctx) -> ChunkFrames.write(codec, Unpooled.wrappedBuffer(data)));
            String netty = wire((codec, ctx) -> ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(data))));
            assertThat(ours).as("%d bytes", n).isEqualTo(netty);
            assertThat(ours).as("%d bytes", n).contains(Integer.toHexString(n) + "\r\n");
        }
    }

    @Test
    void severalChunksInARowKeepTheirOrderWithTheHeadBeforeAndTheEndAfter() {
        byte[] small = bytes(100, 1);
        byte[] large = bytes(9000, 2);
        String ours = wire((codec, ctx) -> {
            ChunkFrames.write(codec, Unpooled.wrappedBuffer(small));
            ChunkFrames.write(codec, Unpooled.wrappedBuffer(large));
            ChunkFrames.write(codec, Unpooled.wrappedBuffer(small));
        });
        String netty = wire((codec, ctx) -> {
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(small)));
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(large)));
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(small)));
        });
        assertThat(ours).isEqualTo(netty);
        assertThat(ours).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n0\r\n\r\n");
    }

    @Test
    void emptyDataWritesNothingRatherThanAnEmptyChunkThatWouldEndTheBody() {
        String ours = wire((codec, ctx) -> ChunkFrames.write(codec, Unpooled.buffer(0)));
        assertThat(ours).endsWith("transfer-encoding: chunked\r\n\r\n0\r\n\r\n");
    }

    @Test
    void framingAppliesOnlyWhereTheEncoderWouldChunk() {
        assertThat(ChunkFrames.applies(chunked(HttpResponseStatus.OK), HttpMethod.POST, false)).isTrue();
        assertThat(ChunkFrames.applies(chunked(HttpResponseStatus.BAD_GATEWAY), HttpMethod.GET, false)).isTrue();
        assertThat(ChunkFrames.applies(chunked(HttpResponseStatus.OK), HttpMethod.HEAD, false)).isFalse();
        assertThat(ChunkFrames.applies(chunked(HttpResponseStatus.OK), HttpMethod.GET, true)).isFalse();
        assertThat(ChunkFrames.applies(chunked(HttpResponseStatus.NO_CONTENT), HttpMethod.GET, false)).isFalse();
        assertThat(ChunkFrames.applies(chunked(HttpResponseStatus.NOT_MODIFIED), HttpMethod.GET, false)).isFalse();
        assertThat(ChunkFrames.applies(chunked(HttpResponseStatus.CONTINUE), HttpMethod.GET, false)).isFalse();
        HttpResponse sized = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        sized.headers().setInt("content-length", 5);
        assertThat(ChunkFrames.applies(sized, HttpMethod.GET, false)).isFalse();
    }

    private static HttpResponse chunked(HttpResponseStatus status) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        HttpUtil.setTransferEncodingChunked(r, true);
        return r;
    }

    /** A GET answered with a chunked head, {@code body} (given the codec's context and the handler's), then the end. */
    private static String wire(BiConsumer<ChannelHandlerContext, ChannelHandlerContext> body) {
        List<ChannelHandlerContext> handler = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(ChannelSetup.HTTP_CODEC, new HttpServerCodec());
        ch.pipeline().addLast("app", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                handler.add(ctx);
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        });
        ch.writeInbound(Unpooled.copiedBuffer("GET /api/tags HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
        ChannelHandlerContext ctx = handler.get(0);
        ctx.write(chunked(HttpResponseStatus.OK));
        body.accept(ch.pipeline().context(ChannelSetup.HTTP_CODEC), ctx);
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        StringBuilder out = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        assertThat(ch.finish()).isFalse();
        return out.toString();
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
