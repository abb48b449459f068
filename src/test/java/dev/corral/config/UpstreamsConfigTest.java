package dev.corral.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpstreamsConfigTest {
    @TempDir
    Path dir;

    private Settings load(Map<String, String> env, String yaml) throws Exception {
        Path f = yaml == null ? null : Files.writeString(dir.resolve("corral.yaml"), yaml);
        return new ConfigLoader(env).load(f, Map.of());
    }

    private String error(String yaml) throws Exception {
        Path f = Files.writeString(dir.resolve("corral.yaml"), yaml);
        try {
            new ConfigLoader(Map.of()).load(f, Map.of());
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for " + yaml);
    }

    @Test
    void withoutUpstreamsThereIsOneOllamaAtUpstreamUrl() throws Exception {
        Settings s = load(Map.of(), "upstream:\n  url: http://127.0.0.1:5000\n");
        assertThat(s.upstreams()).isEmpty();
        assertThat(s.upstream().port()).isEqualTo(5000);
        assertThat(load(Map.of(), null).upstream().url().toString()).isEqualTo("http://127.0.0.1:11434");
    }

    @Test
    void nodesAreReadWithTheirSlotsWeightsAndNames() throws Exception {
        Settings s = load(Map.of(), """
                admission:
                  upstream_concurrency: 3
                upstream:
                  connect_timeout: 2s
                upstreams:
                  - url: http://127.0.0.1:5001
                    slots: 4
                    weight: 2
                    labels: {name: gpu-a, gpu: a100}
                  - http://127.0.0.1:5002
                """);
        assertThat(s.upstreams()).hasSize(2);
        UpstreamNode a = s.upstreams().get(0);
        assertThat(a.name()).isEqualTo("gpu-a");
        assertThat(a.slots()).isEqualTo(4);
        assertThat(a.weight()).isEqualTo(2);
        assertThat(a.labels()).containsEntry("gpu", "a100");
        assertThat(a.at().connectTimeout()).hasSeconds(2);
        UpstreamNode b = s.upstreams().get(1);
        assertThat(b.name()).isEqualTo("127.0.0.1:5002");
        assertThat(b.slots()).isEqualTo(3); // admission.upstream_concurrency
        assertThat(b.weight()).isEqualTo(1);
        assertThat(s.upstream()).isEqualTo(a.at()); // what reads "the" upstream reads the first node
        assertThat(s.warnings()).isEmpty();
    }

    @Test
    void theEnvironmentListsNodesByUrl() throws Exception {
        Settings s = load(Map.of("CORRAL_UPSTREAMS", "http://127.0.0.1:5001, http://localhost:5002"), null);
        assertThat(s.upstreams()).extracting(UpstreamNode::name).containsExactly("127.0.0.1:5001", "localhost:5002");
    }

    @Test
    void bothFormsAtOnceIsAnErrorNamingTheFileTheFieldAndTheFix() throws Exception {
        String f = dir.resolve("corral.yaml").toString();
        assertThat(error("upstream:\n  url: http://127.0.0.1:11434\nupstreams:\n  - http://127.0.0.1:5001\n"))
                .startsWith(f + ": upstreams: upstream.url is set too (http://127.0.0.1:11434)")
                .contains("move that URL into upstreams, or remove upstreams");
    }

    @Test
    void badNodesAreNamedByTheirPlaceInTheList() throws Exception {
        String f = dir.resolve("corral.yaml").toString();
        assertThat(error("upstreams:\n  - http://127.0.0.1:5001\n  - ftp://x\n")).startsWith(f + ": upstreams[1].url: ")
                .contains("http://");
        assertThat(error("upstreams:\n  - url: http://127.0.0.1:5001\n    slots: 0\n"))
                .isEqualTo(f + ": upstreams[0].slots: must be at least 1, got 0");
        assertThat(error("upstreams:\n  - {url: http://127.0.0.1:5001, weight: 0}\n"))
                .isEqualTo(f + ": upstreams[0].weight: must be at least 1, got 0");
        assertThat(error("upstreams:\n  - {slots: 2}\n")).startsWith(f + ": upstreams[0].url: missing");
        assertThat(error("upstreams:\n  - http://127.0.0.1:5001\n  - http://127.0.0.1:5001\n"))
                .startsWith(f + ": upstreams[1]: another node is already named '127.0.0.1:5001'");
        assertThat(error("upstreams:\n  - {url: http://127.0.0.1:5001, labels: {name: 'a b'}}\n"))
                .startsWith(f + ": upstreams[0].labels.name: 'a b' is not a usable node name");
        assertThat(error("upstreams:\n  - [1, 2]\n")).startsWith(f + ": upstreams[0]: expected a URL or a mapping");
        assertThat(error("upstreams:\n  - {url: http://127.0.0.1:5001, slot: 2}\n")).contains("upstreams[0].slot").contains("slots");
    }

    @Test
    void aNodeOffLoopbackIsWarnedAbout() throws Exception {
        Settings s = load(Map.of(), "upstreams:\n  - http://127.0.0.1:5001\n  - http://10.0.0.5:11434\n");
        assertThat(s.warnings()).containsExactly("upstreams: node 10.0.0.5:11434 (http://10.0.0.5:11434) is not on loopback:"
                + " traffic between Corral and Ollama is not protected");
    }

    @Test
    void changingTheNodesWaitsForARestart() throws Exception {
        Settings a = load(Map.of(), "upstreams:\n  - http://127.0.0.1:5001\n");
        Settings b = load(Map.of(), "upstreams:\n  - http://127.0.0.1:5001\n  - http://127.0.0.1:5002\n");
        assertThat(ConfigChanges.needingRestart(a, ConfigChanges.changed(a, b))).contains("upstreams");
        assertThat(ConfigChanges.applicable(a, b).upstreams()).isEqualTo(a.upstreams());
        // With several nodes, upstream's fields were used to make each node's connections: a restart too.
        Settings c = load(Map.of(), "upstreams:\n  - http://127.0.0.2:5001\nupstream:\n  first_byte_timeout: 1m\n");
        assertThat(ConfigChanges.needingRestart(a, ConfigChanges.changed(a, c)))
                .contains("upstreams", "upstream.firstByteTimeout", "upstream.host");
        assertThat(ConfigChanges.applicable(a, c).upstream()).isEqualTo(a.upstream());
        assertThat(List.of(a.upstreams().get(0).name())).containsExactly("127.0.0.1:5001");
    }
}
