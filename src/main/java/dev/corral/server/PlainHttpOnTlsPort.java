package dev.corral.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sits in front of the TLS handler and looks at a connection's first byte: a plain-HTTP request
 * sent to the TLS port gets a 400 naming the https:// URL to use, then the connection closes (what
 * nginx does; lingering, so a client still sending reads the answer), instead of a TLS failure that
 * shows the client an empty reply. Anything else goes to TLS untouched, and this handler leaves the
 * pipeline.
 *
 * <p>One byte is enough to tell them apart: a TLS record starts with its content type (0x16 for a
 * handshake, 0x14-0x17 in general, RFC 8446 section 5.1; an SSLv2-style hello starts with a byte of
 * 0x80 or more), and an HTTP request starts with its method, upper-case ASCII letters (RFC 9110
 * section 9). Nothing is buffered while deciding, so the TLS handshake timeout still applies.
 */
final class PlainHttpOnTlsPort extends ChannelInboundHandlerAdapter {
    /** The Host header of the request, when it is in the first read and a plain host[:port]. */
    private static final Pattern HOST = Pattern.compile("\r\nhost:[ \t]*([a-z0-9.\\-]{1,253}(:[0-9]{1,5})?|\\[[0-9a-f:.]{2,45}](:[0-9]{1,5})?)[ \t]*\r\n");

    private boolean refused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg); // the rest of the plain request, arriving while we close
            return;
        }
        if (!(msg instanceof ByteBuf buf) || !buf.isReadable()) {
            ctx.fireChannelRead(msg);
            return;
        }
        byte first = buf.getByte(buf.readerIndex());
        if (first < 'A' || first > 'Z') {
            ctx.fireChannelRead(msg);
            ctx.pipeline().remove(this);
            return;
        }
        refused = true;
        String head;
        try {
            head = buf.toString(buf.readerIndex(), Math.min(buf.readableBytes(), 8192), StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
        byte[] body = ("This port speaks HTTPS: use " + httpsUrl(head, (InetSocketAddress) ctx.channel().localAddress())
                + " (not http://).\n").getBytes(StandardCharsets.US_ASCII);
        String response = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        ByteBuf out = ctx.alloc().buffer(response.length() + body.length);
        out.writeCharSequence(response, StandardCharsets.US_ASCII);
        out.writeBytes(body);
        // written from here, so it goes out as it is: the TLS handler is further in, never sees it;
        // then this side ends and what the client still sends is dropped above (refused), so that a
        // client still sending its body reads the 400 instead of a reset (LingeringClose)
        ctx.writeAndFlush(out).addListener((ChannelFutureListener) LingeringClose::after);
    }

    /** https://HOST/ from the request's Host header, else from the address the client reached. */
    static String httpsUrl(String head, InetSocketAddress local) {
        Matcher m = HOST.matcher(head.toLowerCase(Locale.ROOT));
        if (m.find()) {
            return "https://" + m.group(1) + "/";
        }
        String h = local.getAddress().getHostAddress();
        return "https://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + local.getPort() + "/";
    }
}
