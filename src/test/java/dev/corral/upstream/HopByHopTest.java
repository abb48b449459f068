package dev.corral.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class HopByHopTest {

    @Test
    void responseHeadersLoseHopByHopOnesIncludingThoseConnectionNames() {
        HttpHeaders in = new DefaultHttpHeaders();
        in.add("Connection", "keep-alive, X-Internal");
        in.add("X-Internal", "secret");
        in.add("Keep-Alive", "timeout=5");
        in.add("Transfer-Encoding", "chunked");
        in.add("Content-Length", "12");
        in.add("Upgrade", "h2c");
        in.add("Proxy-Authenticate", "Basic");
        in.add("Trailer", "X-T");
        in.add("Content-Type", "application/x-ndjson");
        in.add("X-Request-Id", "from-upstream");
        in.add("Date", "now");
        HttpHeaders out = new DefaultHttpHeaders();
        HopByHop.copyResponse(in, out);
        assertThat(out.names()).containsExactlyInAnyOrder("Content-Type", "Date");
    }

    @Test
    void requestHeadersLoseCredentialsForwardingAndHopByHop() {
        HttpHeaders in = new DefaultHttpHeaders();
        in.add("Authorization", "Bearer k");
        in.add("x-api-key", "k");
        in.add("Cookie", "c=1");
        in.add("Proxy-Authorization", "Basic x");
        in.add("X-Forwarded-For", "1.2.3.4");
        in.add("Forwarded", "for=1.2.3.4");
        in.add("Host", "gw");
        in.add("Expect", "100-continue");
        in.add("Connection", "X-Hop");
        in.add("X-Hop", "1");
        in.add("Content-Type", "application/json");
        in.add("X-Sim-Tokens", "3");
        HttpHeaders out = new DefaultHttpHeaders();
        HopByHop.copyRequest(in, out);
        assertThat(out.names()).containsExactlyInAnyOrder("Content-Type", "X-Sim-Tokens");
    }
}
