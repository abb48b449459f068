package dev.corral.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.admission.FairQueue;
import dev.corral.config.ConfigLoader;
import dev.corral.config.Settings;
import dev.corral.config.UpstreamNode;
import dev.corral.testing.Eventually;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A node's passive ejection and readmission, without a network: what requests and probes report decides. */
class NodeTest {
    static Node node(String interval) {
        Settings s = new ConfigLoader(Map.of("CORRAL_UPSTREAMS", "http://127.0.0.1:5001")).load(null,
                Map.of("upstream.health_interval", interval));
        UpstreamNode cfg = s.upstreams().get(0);
        return new Node(cfg, null, new FairQueue(cfg.slots(), 8, 8));
    }

    @Test
    void aServerErrorOrARefusedConnectionEjectsTheNodeUntilAProbePassesAfterItsTimeOut() {
        Node n = node("1h");
        assertThat(n.inService()).isTrue();
        n.answered(200);
        assertThat(n.inService()).isTrue();
        n.answered(503);
        assertThat(n.inService()).isFalse();
        assertThat(n.ejections()).isEqualTo(1);
        assertThat(n.lastFailure()).isEqualTo("it answered HTTP 503");
        n.probePassed(Set.of("m"), Set.of());
        assertThat(n.inService()).as("a probe within the time out does not bring it back").isFalse();
        assertThat(n.models()).containsExactly("m");
        n.unreachable(new ConnectException("Connection refused"));
        assertThat(n.ejections()).as("failures of requests already under way do not count again").isEqualTo(1);

        Node quick = node("1ms");
        quick.unreachable(new ConnectException("Connection refused"));
        assertThat(quick.inService()).isFalse();
        Eventually.await("the time out passes and a probe passes", Duration.ofSeconds(5), () -> {
            quick.probePassed(Set.of(), Set.of());
            return quick.inService();
        });
        assertThat(quick.ejections()).isEqualTo(1);
    }

    @Test
    void ejectionsInARowLengthenTheTimeOutUntilARealAnswerEndsTheRun() {
        Node n = node("1ms");
        for (int i = 1; i <= 3; i++) {
            n.answered(500);
            Eventually.await("back in service", Duration.ofSeconds(5), () -> {
                n.probePassed(Set.of(), Set.of());
                return n.inService();
            });
        }
        assertThat(n.ejections()).isEqualTo(3);
        assertThat(n.failuresInARow()).as("a probe brings it back, but the run goes on").isEqualTo(3);
        n.answered(200); // a real answer ends the run of failures
        assertThat(n.failuresInARow()).isZero();
        n.answered(500);
        assertThat(n.inService()).isFalse();
        assertThat(n.failuresInARow()).isEqualTo(1);
    }
}
