package dev.corral.pipeline;

import dev.corral.access.ModelPolicy;
import dev.corral.refusal.Refusal;
import dev.corral.refusal.RefusalKind;
import dev.corral.config.OptionSettings;
import dev.corral.relay.DisclosureFilter;
import dev.corral.relay.HiddenUsageFilter;
import dev.corral.relay.LineAligner;
import dev.corral.relay.ListingFilter;
import dev.corral.relay.UsageTap;
import dev.corral.route.RequestShape;
import dev.corral.route.Route;
import dev.corral.route.RouteClass;
import dev.corral.upstream.HopByHop;
import dev.corral.upstream.UpstreamCall;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays Ollama's answer to the client as it streams, through the filters the route calls for:
 * the {@link UsageTap} reads token counts as they pass (always); a model listing is held and
 * filtered to what the key may see ({@link ListingFilter}), and /api/show and /api/ps are cut to a
 * summary for keys whose policy says so ({@link DisclosureFilter}); a usage chunk Corral asked for on the
 * client's behalf is hidden ({@link HiddenUsageFilter}). Writes as data arrives, flushes once per
 * upstream read batch, reads Ollama only as fast as the client takes it. Settles the token counts
 * on the exchange before it ends, on every path. Confined to the event loop.
 */
final class Relay implements UpstreamCall.Listener, Forwarding {
    private static final Logger log = LoggerFactory.getLogger(Relay.class);

    private final Exchange ex;
    private final ClientSink sink;
    private final ModelPolicy policy;
    private final OptionSettings disclosure;
    private final int maxListingBytes;
    private final long firstByteSeconds;
    private UpstreamCall call;
    private UsageTap tap;
    private HiddenUsageFilter hidden;
    private LineAligner aligner;
    private CompositeByteBuf listing;
    private HttpResponse heldHead;
    private boolean started;
    private boolean done;

    Relay(Exchange ex, ClientSink sink, ModelPolicy policy, OptionSettings disclosure, int maxListingBytes,
          long firstByteSeconds) {
        this.ex = ex;
        this.sink = sink;
        this.policy = policy;
        this.disclosure = disclosure;
        this.maxListingBytes = maxListingBytes;
        this.firstByteSeconds = firstByteSeconds;
    }

    void call(UpstreamCall c) {
        this.call = c;
    }

    @Override
    public void onResponse(HttpResponse r) {
        int code = r.status().code();
        ex.firstByte();
        ex.tally().status(code);
        String contentType = r.headers().get(HttpHeaderNames.CONTENT_TYPE);
        Route route = ex.route();
        // Only answers that ran a model hold token counts; the others (listings, versions, pull progress) are not parsed.
        tap = route.routeClass() == RouteClass.INFERENCE ? UsageTap.forContentType(contentType) : UsageTap.none();
        aligner = LineAligner.forContentType(contentType);
        if (ex.hideUsage() && code == 200) {
            hidden = new HiddenUsageFilter(route.streamUsage() == RequestShape.StreamUsage.EVERY_CHUNK_IF_ASKED);
        }
        HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status());
        HopByHop.copyResponse(r.headers(), out.headers());
        out.headers().set(HopByHop.REQUEST_ID, ex.requestId());
        if (ex.clamped() != null) {
            out.headers().set(ClampOptions.HEADER, ex.clamped());
        }
        boolean head = ex.request().method().equals(HttpMethod.HEAD);
        boolean filtered = code == 200 && (listingFiltered() || summarised());
        if (filtered && !head) {
            heldHead = out;
            listing = sink.alloc().compositeBuffer(64);
            return;
        }
        if (HttpUtil.isContentLengthSet(r) && !filtered) { // a filtered size would tell what is hidden
            out.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.headers().get(HttpHeaderNames.CONTENT_LENGTH));
        }
        started = true;
        sink.head(out, head || code == 204 || code == 304);
    }

    @Override
    public void onContent(HttpContent c) {
        if (done) {
            c.release();
            return;
        }
        boolean last = c instanceof LastHttpContent;
        ByteBuf data = c.content();
        tap.feed(data);
        ex.tally().streamed(tap.events());
        if (listing != null) {
            bufferListing(c, last);
            return;
        }
        HttpContent out = c;
        if (hidden != null) {
            ByteBuf kept = hidden.filter(data, sink.alloc(), last);
            c.release();
            out = last ? new DefaultLastHttpContent(kept) : new DefaultHttpContent(kept);
        } else if (aligner != null) {
            ByteBuf whole = aligner.align(data, sink.alloc(), last); // takes c's buffer
            if (whole != data || last) { // a chunk that ends on a line boundary goes on as it came (the last loses Ollama's trailers)
                out = last ? new DefaultLastHttpContent(whole) : new DefaultHttpContent(whole);
            }
        }
        ex.tally().addBytesOut(out.content().readableBytes());
        if (last) {
            done = true;
            settleTokens();
            sink.last(out);
        } else if (out.content().isReadable() || (hidden == null && aligner == null)) {
            sink.content(out);
        } else {
            out.release();
        }
    }

    private void bufferListing(HttpContent c, boolean last) {
        if (listing.readableBytes() + c.content().readableBytes() > maxListingBytes) {
            c.release();
            call.cancel();
            failBeforeHead(RefusalKind.BAD_GATEWAY, "listing_too_large",
                    "the model list from Ollama is larger than limits.max_filtered_response_bytes", null);
            return;
        }
        listing.addComponent(true, c.content().retain());
        c.release();
        if (!last) {
            return;
        }
        byte[] bytes = ByteBufUtil.getBytes(listing);
        try {
            if (listingFiltered()) {
                bytes = ListingFilter.filter(bytes, ex.route().listing(), name -> policy.visible(ex.principal(), name));
            }
            if (summarised()) {
                bytes = ex.route().disclosure() == Route.Disclosure.MODEL_DETAILS
                        ? DisclosureFilter.showSummary(bytes) : DisclosureFilter.psSummary(bytes);
            }
        } catch (IOException e) {
            failBeforeHead(RefusalKind.BAD_GATEWAY, "listing_unreadable", "the model list from Ollama cannot be read", e);
            return;
        }
        releaseListing();
        done = true;
        settleTokens();
        ex.tally().addBytesOut(bytes.length);
        sink.full(heldHead, sink.alloc().buffer(bytes.length).writeBytes(bytes));
    }

    @Override
    public void onReadComplete() {
        if (!done) {
            sink.flush();
        }
    }

    @Override
    public void onFailure(UpstreamCall.Failure f, Throwable cause) {
        if (done) {
            return;
        }
        if (started) {
            done = true;
            releaseAligner();
            settleTokens();
            boolean timeout = f == UpstreamCall.Failure.IDLE_TIMEOUT;
            sink.abort(timeout ? Outcome.UPSTREAM_TIMEOUT : Outcome.UPSTREAM_ERROR, switch (f) {
                case IDLE_TIMEOUT -> "upstream_idle_timeout";
                case MALFORMED_BODY -> "upstream_malformed_body";
                default -> "upstream_closed_mid_response";
            });
            return;
        }
        switch (f) {
            case CONNECT -> failBeforeHead(RefusalKind.BAD_GATEWAY, "upstream_connect", "the gateway cannot reach Ollama", cause);
            case CLOSED_BEFORE_RESPONSE, CLOSED_MID_RESPONSE -> failBeforeHead(RefusalKind.BAD_GATEWAY, "upstream_closed",
                    "Ollama closed the connection before answering", cause);
            case PROTOCOL_SWITCH -> failBeforeHead(RefusalKind.BAD_GATEWAY, "upstream_upgrade",
                    "Ollama answered with a protocol switch", cause);
            case FIRST_BYTE_TIMEOUT -> failBeforeHead(RefusalKind.GATEWAY_TIMEOUT, "upstream_first_byte_timeout",
                    "Ollama did not answer within " + firstByteSeconds + "s", cause);
            case IDLE_TIMEOUT -> failBeforeHead(RefusalKind.GATEWAY_TIMEOUT, "upstream_idle_timeout", "Ollama stopped sending", cause);
            default -> failBeforeHead(RefusalKind.BAD_GATEWAY, "upstream_malformed", "Ollama sent a malformed response", cause);
        }
    }

    /** Nothing reached the client yet: it gets an error in its dialect (never the upstream's address or error). */
    private void failBeforeHead(RefusalKind kind, String reason, String message, Throwable cause) {
        done = true;
        releaseListing();
        settleTokens();
        if (cause != null) {
            String m = cause.getMessage();
            log.warn("request {}: {} ({})", ex.requestId(), message, m == null ? cause.getClass().getSimpleName() : m);
        }
        sink.refuse(Refusal.of(kind, reason, message), kind == RefusalKind.GATEWAY_TIMEOUT ? Outcome.UPSTREAM_TIMEOUT
                : Outcome.UPSTREAM_ERROR);
    }

    @Override
    public void clientWritable(boolean writable) {
        if (!done) {
            call.autoRead(writable);
        }
    }

    @Override
    public void clientGone() {
        if (done) {
            return;
        }
        done = true;
        call.cancel();
        releaseListing();
        releaseAligner();
        settleTokens();
    }

    private void settleTokens() {
        if (tap != null) {
            tap.close();
            ex.tally().tokens(tap.promptTokens(), tap.completionTokens(), tap.events());
            tap = null;
        }
    }

    private void releaseAligner() {
        if (aligner != null) {
            aligner.release();
        }
    }

    private boolean listingFiltered() {
        return ex.route().listing() != Route.Listing.NONE && policy.filtersListings(ex.principal());
    }

    /** The key's policy limits what this route discloses (/api/show, /api/ps) to a summary. */
    private boolean summarised() {
        Route.Disclosure d = ex.route().disclosure();
        if (ex.principal() == null || d == Route.Disclosure.NONE) {
            return false;
        }
        var rules = disclosure.rulesFor(ex.principal().name());
        return d == Route.Disclosure.MODEL_DETAILS ? rules.showSummary() : rules.psSummary();
    }

    private void releaseListing() {
        if (listing != null) {
            listing.release();
            listing = null;
        }
    }
}
