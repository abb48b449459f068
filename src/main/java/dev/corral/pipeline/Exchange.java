package dev.corral.pipeline;

import dev.corral.access.Principal;
import dev.corral.admission.Ticket;
import dev.corral.route.Dialect;
import dev.corral.route.GoBody;
import dev.corral.route.Route;
import dev.corral.route.RouteMatch;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * One request's journey: who sent what (fixed when it arrives), what the steps found out (client
 * address, route, principal, model, token bound, ticket) and how it ended ({@link Tally}).
 * Confined to the connection's event loop, except that settle listeners read it after it finished.
 */
public final class Exchange {
    private final String requestId;
    private final Instant startedAt;
    private final long startNanos;
    private final HttpRequest request;
    private final InetAddress peer;
    private final X509Certificate clientCertificate;
    private final EventLoop loop;
    private final boolean tls;
    private final Tally tally = new Tally();

    private InetAddress clientAddress;
    private String corsOrigin;
    private RouteMatch match;
    private Principal principal;
    private String keyId;
    private String authMethod;
    private String forwardQuery;
    private boolean queryRewritten;
    private ByteBuf body;
    private boolean bodyRead;
    private String model;
    private long maxTokens = -1;
    private boolean stream;
    private boolean hideUsage;
    private GoBody parsed;
    private final BodyEdits edits = new BodyEdits();
    private String clamped;
    private Ticket ticket;
    private dev.corral.upstream.Node node;
    private volatile Runnable canceller;

    /** Set by the connection: its memo of the last key's HMAC, for {@link Authenticate}. */
    private dev.corral.access.KeyHashMemo keyMemo;

    public Exchange(String requestId, Instant startedAt, long startNanos, HttpRequest request, InetAddress peer,
                    X509Certificate clientCertificate, EventLoop loop) {
        this(requestId, startedAt, startNanos, request, peer, clientCertificate, loop, false);
    }

    /** The connection's memo of its last key's HMAC ({@link dev.corral.access.KeyHashMemo}), or null. */
    public dev.corral.access.KeyHashMemo keyMemo() {
        return keyMemo;
    }

    public void keyMemo(dev.corral.access.KeyHashMemo memo) {
        this.keyMemo = memo;
    }

    /** @param tls the request arrived over TLS */
    public Exchange(String requestId, Instant startedAt, long startNanos, HttpRequest request, InetAddress peer,
                    X509Certificate clientCertificate, EventLoop loop, boolean tls) {
        this.tls = tls;
        this.requestId = requestId;
        this.startedAt = startedAt;
        this.startNanos = startNanos;
        this.request = request;
        this.peer = peer;
        this.clientCertificate = clientCertificate;
        this.loop = loop;
        this.clientAddress = peer;
    }

    public String requestId() { return requestId; }
    public Instant startedAt() { return startedAt; }
    public HttpRequest request() { return request; }
    /** The TCP peer; see {@link #clientAddress} for the client behind a trusted proxy. */
    public InetAddress peer() { return peer; }
    /** The TLS client certificate, verified against listen.tls.client_ca, or null. */
    public X509Certificate clientCertificate() { return clientCertificate; }
    /** The request arrived over TLS. */
    public boolean tls() { return tls; }
    /** The request arrived over TLS or from a loopback peer: nobody on a network path could read or change it. */
    public boolean secureChannel() { return tls || peer.isLoopbackAddress(); }
    /** The connection's event loop: where waits complete and timers run. */
    public EventLoop loop() { return loop; }
    public Tally tally() { return tally; }

    public InetAddress clientAddress() { return clientAddress; }
    public void clientAddress(InetAddress a) { clientAddress = a; }

    /** The request's Origin when cors_origins allows it: responses then carry it. */
    public String corsOrigin() { return corsOrigin; }
    public void corsOrigin(String o) { corsOrigin = o; }

    public RouteMatch match() { return match; }
    public void match(RouteMatch m) { match = m; }
    public Route route() { return match == null ? null : match.route(); }

    /** The dialect refusals are written in: the route's, or guessed from the path. */
    public Dialect dialect() { return match == null ? Dialect.OLLAMA : match.dialect(); }

    public Principal principal() { return principal; }
    public void principal(Principal p) { principal = p; keyId = p.keyId(); }
    /** The key that was presented (also when it was refused as revoked or expired), or null. */
    public String keyId() { return keyId; }
    public void keyId(String id) { keyId = id; }
    /** How the caller signed in ("key", "ssh", "cert"), or null before authentication. */
    public String authMethod() { return authMethod; }
    public void authMethod(String m) { authMethod = m; }

    /** The raw query Ollama gets: the client's, unless a step rewrote it (null: no query). */
    public String forwardQuery() {
        if (queryRewritten) {
            return forwardQuery;
        }
        String uri = request.uri();
        int q = uri.indexOf('?');
        return q < 0 ? null : uri.substring(q + 1);
    }

    /** Forwards {@code query} (null: none) instead of the client's query. */
    public void forwardQuery(String query) {
        forwardQuery = query;
        queryRewritten = true;
    }

    /** The request body, read whole; the connection owns and releases what it read. */
    public ByteBuf body() { return body; }
    public boolean bodyRead() { return bodyRead; }
    public void body(ByteBuf b) { body = b; bodyRead = true; }

    public String model() { return model; }
    /** The Ollama node chosen for it (several nodes), or null: the one Ollama. */
    public dev.corral.upstream.Node node() { return node; }
    public void node(dev.corral.upstream.Node n) { node = n; }
    public void model(String m) { model = m; }
    /** The request's completion bound (num_predict, max_tokens), -1 for none. */
    public long maxTokens() { return maxTokens; }
    public void maxTokens(long n) { maxTokens = n; }
    /** The answer streams. */
    public boolean stream() { return stream; }
    public void stream(boolean s) { stream = s; }
    /** Corral asked Ollama for a usage chunk the client did not ask for: the relay hides it. */
    public boolean hideUsage() { return hideUsage; }
    public void hideUsage(boolean h) { hideUsage = h; }

    /** The JSON body as Ollama's decoder reads it (set by Inspect), or null; valid while {@link #body} is. */
    public GoBody parsed() { return parsed; }
    public void parsed(GoBody b) { parsed = b; }
    /** The rewrites the steps decided, applied once by {@link RewriteBody}. */
    public BodyEdits edits() { return edits; }
    /** What option policy changed ("num_ctx=8192"), sent back as X-Corral-Clamped; null when nothing. */
    public String clamped() { return clamped; }
    public void clamped(String c) { clamped = c; }

    /** What admission granted, or null before (and for refused requests). */
    public Ticket ticket() { return ticket; }
    public void ticket(Ticket t) { ticket = t; }

    /** How an operator's cancel reaches this exchange (the connection closes, which stops Ollama's work). */
    public void canceller(Runnable r) {
        canceller = r;
    }

    /** Cancels the exchange from any thread: its connection is closed on its own loop. */
    public void cancel() {
        Runnable r = canceller;
        if (r != null) {
            loop.execute(r);
        }
    }

    /** Nanoseconds since the request arrived. */
    public long ageNanos() {
        return System.nanoTime() - startNanos;
    }

    /** Ollama's response head arrived now. */
    void firstByte() {
        tally.firstByte(System.nanoTime() - startNanos);
    }

    /** Ends the exchange, once; true for the first call. */
    public boolean finish(Outcome o, int status, String reason) {
        return tally.finish(o, status, reason, System.nanoTime() - startNanos);
    }
}
