package dev.corral.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bind check on this machine's real /proc: a real loopback listener passes, a real wildcard one fails. */
class RealHostTest {

    /** The real host, except that Ollama's unit "says" OLLAMA_HOST points at the test's port. */
    static Host realWithPort(int port) {
        LocalHost real = new LocalHost();
        return new Host() {
            @Override
            public Path path(String absolute) {
                return real.path(absolute);
            }

            @Override
            public Result run(List<String> command) {
                if (command.get(0).equals("systemctl")) {
                    return new Result(0, "LoadState=loaded\nEnvironment=OLLAMA_HOST=127.0.0.1:" + port + "\n", "", false);
                }
                return real.run(command);
            }

            @Override
            public boolean isRoot() {
                return real.isRoot();
            }

            @Override
            public Map<String, String> env() {
                return real.env();
            }
        };
    }

    @Test
    void aRealLoopbackListenerPassesAndARealWildcardOneFails() throws Exception {
        try (ServerSocket loop = new ServerSocket()) {
            loop.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            List<Finding> f = new BindCheck().run(realWithPort(loop.getLocalPort()), DoctorOptions.defaults());
            assertThat(f).singleElement().satisfies(x -> {
                assertThat(x.severity()).isEqualTo(Severity.PASS);
                assertThat(x.evidence()).contains("127.0.0.1:" + loop.getLocalPort());
                if (new LocalHost().isRoot()) {
                    assertThat(x.evidence()).contains("(pid " + ProcessHandle.current().pid() + ")");
                }
            });
        }
        try (ServerSocket any = new ServerSocket()) {
            any.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            List<Finding> f = new BindCheck().run(realWithPort(any.getLocalPort()), DoctorOptions.defaults());
            assertThat(f).isNotEmpty().allMatch(x -> x.severity() == Severity.FAIL);
            assertThat(f.get(0).evidence()).contains("all interfaces");
        }
    }
}
