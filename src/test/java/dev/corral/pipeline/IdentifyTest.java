package dev.corral.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.Cidr;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** X-Forwarded-For counts only from configured trusted proxies, read right to left. */
class IdentifyTest {

    static InetAddress client(List<Cidr> trusted, String peer, String... xff) throws Exception {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/tags");
        for (String v : xff) {
            req.headers().add("X-Forwarded-For", v);
        }
        Exchange ex = new Exchange("r", Instant.now(), 0, req, InetAddress.getByName(peer), null, null);
        assertThat(new Identify(trusted).apply(ex)).isSameAs(Decision.CONTINUE);
        return ex.clientAddress();
    }

    @Test
    void forwardedForIsIgnoredUnlessThePeerIsATrustedProxy() throws Exception {
        assertThat(client(List.of(), "203.0.113.7", "10.0.0.1").getHostAddress()).isEqualTo("203.0.113.7");
        List<Cidr> lb = List.of(Cidr.parse("10.0.0.0/8"));
        assertThat(client(lb, "203.0.113.7", "1.2.3.4").getHostAddress()).isEqualTo("203.0.113.7");
        assertThat(client(lb, "10.0.0.5", "1.2.3.4").getHostAddress()).isEqualTo("1.2.3.4");
        // a client cannot forge its way in: the rightmost untrusted hop wins
        assertThat(client(lb, "10.0.0.5", "6.6.6.6, 1.2.3.4").getHostAddress()).isEqualTo("1.2.3.4");
        assertThat(client(lb, "10.0.0.5", "1.2.3.4, 10.0.0.9").getHostAddress()).isEqualTo("1.2.3.4");
        assertThat(client(lb, "10.0.0.5", "6.6.6.6", "1.2.3.4").getHostAddress()).isEqualTo("1.2.3.4");
        // garbage stops the walk at the last good hop, and never resolves a name
        assertThat(client(lb, "10.0.0.5", "evil.example.com").getHostAddress()).isEqualTo("10.0.0.5");
        assertThat(client(lb, "10.0.0.5", "1.2.3.4, not-an-ip").getHostAddress()).isEqualTo("10.0.0.5");
    }
}
