package dev.corral;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.config.HostPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The address in the start-up line reads as the user wrote it. */
class StartLineTest {
    static InetSocketAddress bound(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void wildcardListenersShowAsZeroesOrColonColonNotAsTheIpv6SocketsAddress() throws Exception {
        // a dual-stack bind of 0.0.0.0 reports the IPv6 wildcard, [0:0:0:0:0:0:0:0]
        assertThat(Corral.hostPort(bound("::", 11443), HostPort.parse("0.0.0.0:11443"))).isEqualTo("0.0.0.0:11443");
        assertThat(Corral.hostPort(bound("0.0.0.0", 11443), HostPort.parse("0.0.0.0:0"))).isEqualTo("0.0.0.0:11443");
        assertThat(Corral.hostPort(bound("::", 8443), HostPort.parse("[::]:8443"))).isEqualTo("[::]:8443");
        assertThat(Corral.hostPort(bound("127.0.0.1", 5), HostPort.parse("127.0.0.1:0"))).isEqualTo("127.0.0.1:5");
        assertThat(Corral.hostPort(bound("::1", 5), HostPort.parse("[::1]:5"))).isEqualTo("[::1]:5");
    }
}
