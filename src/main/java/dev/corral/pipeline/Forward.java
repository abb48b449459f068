package dev.corral.pipeline;

import dev.corral.access.ModelPolicy;
import dev.corral.config.OptionSettings;
import dev.corral.config.Settings;
import dev.corral.route.RouteTable;
import dev.corral.upstream.HopByHop;
import dev.corral.upstream.Node;
import dev.corral.upstream.Nodes;
import dev.corral.upstream.UpstreamCall;
import dev.corral.upstream.UpstreamHealth;
import dev.corral.upstream.UpstreamConnections;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Sends an admitted request to Ollama and relays the answer: the request as Ollama gets it (the
 * classified path re-encoded, Ollama's own Host, no client credentials or hop-by-hop headers, a
 * request id), on an {@link UpstreamCall}, with a {@link Relay} writing the answer to the client.
 */
public final class Forward implements Forwarder {
    private final UpstreamConnections pool;
    private final UpstreamHealth health;
    private final Settings.Upstream upstream;
    private final ModelPolicy policy;
    private final OptionSettings disclosure;
    private final int maxListingBytes;
    private final Nodes nodes;
    /** The one upstream's Host header, made once. */
    private final String hostHeader;

    public Forward(UpstreamConnections pool, UpstreamHealth health, Settings.Upstream upstream, ModelPolicy policy,
                   OptionSettings disclosure, int maxListingBytes) {
        this(pool, health, upstream, policy, disclosure, maxListingBytes, null);
    }

    /** @param nodes the Ollama nodes an exchange with a {@link Exchange#node} goes to, and fails over across */
    public Forward(UpstreamConnections pool, UpstreamHealth health, Settings.Upstream upstream, ModelPolicy policy,
                   OptionSettings disclosure, int maxListingBytes, Nodes nodes) {
        this.nodes = nodes;
        this.pool = pool;
        this.health = health;
        this.upstream = upstream;
        this.policy = policy;
        this.disclosure = disclosure;
        this.maxListingBytes = maxListingBytes;
        this.hostHeader = upstream.hostHeader();
    }

    @Override
    public Forwarding start(Exchange ex, ClientSink sink) {
        Relay relay = new Relay(ex, sink, policy, disclosure, maxListingBytes, upstream.firstByteTimeout().toSeconds());
        Node node = ex.node();
        UpstreamCall call;
        if (node == null) {
            call = new UpstreamCall(pool, health, upstream, ex.loop(), relay);
        } else {
            node.sending();
            call = new UpstreamCall(node.connections(), node, node.config().at(), ex.loop(), relay)
                    .failover(new NodeFailover(nodes, ex));
        }
        relay.call(call);
        call.start(request(ex, node == null ? hostHeader : node.config().at().hostHeader()));
        return relay;
    }

    static FullHttpRequest request(Exchange ex, String hostHeader) {
        HttpRequest in = ex.request();
        ByteBuf body = ex.body() == null ? Unpooled.EMPTY_BUFFER : ex.body().retainedDuplicate();
        String query = ex.forwardQuery();
        String path = RouteTable.encodePath(ex.match().path());
        String target = query == null ? path : path + "?" + query;
        FullHttpRequest out = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, in.method(), target, body);
        HopByHop.copyRequest(in.headers(), out.headers());
        out.headers().set(HttpHeaderNames.HOST, hostHeader);
        if (body.isReadable() || !(in.method().equals(HttpMethod.GET) || in.method().equals(HttpMethod.HEAD))) {
            out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        }
        out.headers().set(HopByHop.REQUEST_ID, ex.requestId());
        return out;
    }
}
