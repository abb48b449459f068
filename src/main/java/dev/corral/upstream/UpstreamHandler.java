package dev.corral.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/**
 * The end of an upstream connection's pipeline (calls find it there: it must stay last): hands what
 * Ollama sends to the call the connection is lent to, and closes the connection if anything arrives
 * while it sits idle in the pool.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private final UpstreamPool pool;
    private UpstreamCall call;

    /** @param pool where an idle connection is forgotten when it closes (null when none keeps it) */
    UpstreamHandler(UpstreamPool pool) {
        this.pool = pool;
    }

    void bind(UpstreamCall c) {
        this.call = c;
    }

    void unbind() {
        this.call = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamCall c = call;
        if (c == null || !(msg instanceof HttpObject o)) {
            // Ollama never speaks first: bytes on an idle connection mean it is not fit for reuse.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        c.onMessage(o);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamCall c = call;
        if (c != null) {
            c.onReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamCall c = call;
        call = null;
        if (c != null) {
            c.onClosed();
        } else if (pool != null) {
            pool.remove(ctx.channel());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamCall c = call;
        if (c != null) {
            c.onException(cause);
        }
        ctx.close();
    }
}
