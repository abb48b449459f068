package dev.corral.pipeline;

import dev.corral.access.Principal;
import dev.corral.route.Dialect;
import dev.corral.route.Route;
import dev.corral.route.RouteMatch;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;
import java.time.Instant;

/**
 * One request's journey through the gateway: what the stages learned about it and how it ended.
 * Confined to the connection's event loop, except that listeners read it after {@link #finish}.
 */
public final class Exchange {
    private final String requestId;
    private final Instant startedAt;
    private final long startNanos;
    private final HttpRequest request;
    private final InetAddress peer;

    private InetAddress clientAddress;
    private RouteMatch match;
    private Principal principal;
    private String keyId;
    private String model;
    private ByteBuf body;

    private java.security.cert.X509Certificate clientCertificate;
    private long maxTokens = -1;
    private boolean stream;
    private boolean hideUsage;
    private Object admission;

    private int status;
    private Outcome outcome;
    private String reason;
    private long bytesIn;
    private long bytesOut;
    private long promptTokens = -1;
    private long completionTokens = -1;
    private int events;
    private long durationNanos;
    private boolean finished;

    public Exchange(String requestId, Instant startedAt, long startNanos, HttpRequest request, InetAddress peer) {
        this.requestId = requestId;
        this.startedAt = startedAt;
        this.startNanos = startNanos;
        this.request = request;
        this.peer = peer;
        this.clientAddress = peer;
    }

    public String requestId() { return requestId; }
    public Instant startedAt() { return startedAt; }
    public HttpRequest request() { return request; }
    public InetAddress peer() { return peer; }
    public InetAddress clientAddress() { return clientAddress; }
    public void clientAddress(InetAddress a) { this.clientAddress = a; }

    public RouteMatch match() { return match; }
    public void match(RouteMatch m) { this.match = m; }
    public Route route() { return match == null ? null : match.route(); }

    /** The dialect refusals are written in: the route's, or guessed from the path. */
    public Dialect dialect() {
        return match == null ? Dialect.OLLAMA : match.dialect();
    }

    public Principal principal() { return principal; }
    public void principal(Principal p) { this.principal = p; this.keyId = p.keyId(); }
    public String keyId() { return keyId; }
    public void keyId(String id) { this.keyId = id; }

    public String model() { return model; }
    public void model(String m) { this.model = m; }

    /** The request body, read whole; owned by the connection handler, which releases it. */
    public ByteBuf body() { return body; }
    public void body(ByteBuf b) { this.body = b; }

    /** The TLS client certificate, verified against listen.tls.client_ca, or null. */
    public java.security.cert.X509Certificate clientCertificate() { return clientCertificate; }
    public void clientCertificate(java.security.cert.X509Certificate c) { this.clientCertificate = c; }

    /** num_predict / max_tokens the request set, or -1. */
    public long maxTokens() { return maxTokens; }
    public void maxTokens(long n) { this.maxTokens = n; }
    /** The request asked for a streamed answer. */
    public boolean stream() { return stream; }
    public void stream(boolean s) { this.stream = s; }
    /** Corral asked Ollama for a usage chunk the client did not ask for: hide it from the client. */
    public boolean hideUsage() { return hideUsage; }
    public void hideUsage(boolean h) { this.hideUsage = h; }
    /** What the admit stage holds for this exchange (reservations, slots); released when it finishes. */
    @SuppressWarnings("unchecked")
    public <T> T admission() { return (T) admission; }
    public void admission(Object a) { this.admission = a; }

    public void addBytesIn(long n) { bytesIn += n; }
    public void addBytesOut(long n) { bytesOut += n; }
    public long bytesIn() { return bytesIn; }
    public long bytesOut() { return bytesOut; }

    public void tokens(long prompt, long completion, int eventCount) {
        this.promptTokens = prompt;
        this.completionTokens = completion;
        this.events = eventCount;
    }

    /** -1 when Ollama reported no count. */
    public long promptTokens() { return promptTokens; }
    public long completionTokens() { return completionTokens; }
    /** Stream objects or events seen in the response. */
    public int events() { return events; }

    public void status(int s) { this.status = s; }
    public int status() { return status; }
    public Outcome outcome() { return outcome; }
    public String reason() { return reason; }
    public long durationNanos() { return durationNanos; }
    public boolean finished() { return finished; }

    /**
     * Ends the exchange, once: the first call wins and returns true; later calls (the disconnect
     * path racing the completion path) are ignored and return false.
     */
    public boolean finish(Outcome o, int finalStatus, String why, long nowNanos) {
        if (finished) {
            return false;
        }
        finished = true;
        outcome = o;
        if (finalStatus > 0) {
            status = finalStatus;
        }
        if (why != null) {
            reason = why;
        }
        durationNanos = nowNanos - startNanos;
        return true;
    }
}
