package dev.corral.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The end of an upstream connection's pipeline: hands what Ollama sends to the forwarder the
 * connection is lent to, and closes the connection if anything arrives while it sits idle in the pool.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private final UpstreamPool pool;
    private Forwarder forwarder;

    UpstreamHandler(UpstreamPool pool) {
        this.pool = pool;
    }

    void bind(Forwarder f) {
        this.forwarder = f;
    }

    void unbind() {
        this.forwarder = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Forwarder f = forwarder;
        if (f == null) {
            // Ollama never speaks first: bytes on an idle connection mean it is not fit for reuse.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpResponse r) {
            f.onResponse(r);
        }
        if (msg instanceof HttpContent c) {
            f.onContent(c);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Forwarder f = forwarder;
        if (f != null) {
            f.flushClient();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Forwarder f = forwarder;
        forwarder = null;
        if (f != null) {
            f.onUpstreamClosed();
        } else {
            pool.remove(ctx.channel());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && forwarder == null) {
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Forwarder f = forwarder;
        if (f != null) {
            f.onUpstreamException(cause);
        }
        ctx.close();
    }
}
