package dev.corral.cli;

import dev.corral.Corral;
import dev.corral.access.KeyIssuer;
import dev.corral.store.Scope;
import dev.corral.config.ConfigLoader;
import dev.corral.config.HostPort;
import dev.corral.config.Settings;
import dev.corral.sim.SimConfig;
import dev.corral.sim.Simulator;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `corral demo`: the simulator and the gateway together, with a fresh key in a throw-away state
 * directory, and the commands to try. Corral working in one minute, without Ollama or a GPU.
 */
@Command(name = "demo", description = "Start a simulated Ollama and a gateway in front of it, with a fresh key.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:11443",
            description = "Gateway address (default ${DEFAULT-VALUE}; a free port is used if it is taken).")
    String listen;

    @Option(names = "--verbose", description = "Show stack traces on errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        HostPort hp = CorralCommand.address("--listen", listen);
        if (!hp.isLoopback()) {
            throw new CorralCommand.UsageError("--listen: the demo only listens on loopback");
        }
        if (!free(hp)) {
            hp = new HostPort(hp.host(), 0);
        }
        Path state = Files.createTempDirectory("corral-demo-");
        Simulator sim = Simulator.start(SimConfig.defaults(new HostPort("127.0.0.1", 0)).withTokensPerSecond(20));
        Settings settings = new ConfigLoader(Map.of()).load(null, Map.of(
                "listen.address", hp.toString(),
                "admin.listen", "off", // a throw-away demo: its CLI uses the socket in its own state directory
                "upstream.url", "http://127.0.0.1:" + sim.port(),
                "state_dir", state.toString()));
        String key;
        String metaKey;
        try (StoreAccess sa = new StoreAccess(settings)) {
            KeyIssuer issuer = new KeyIssuer(sa.store, sa.hasher, Clock.systemUTC());
            key = issuer.create("demo", EnumSet.of(Scope.INFERENCE), List.of("llama3*", "nomic-embed-text*"), null).key();
            metaKey = issuer.create("demo-readonly", EnumSet.of(Scope.META), List.of(), null).key();
        }
        Corral corral;
        try {
            corral = Corral.start(settings);
        } catch (Exception e) {
            sim.close();
            throw e;
        }
        InetSocketAddress a = corral.address();
        String gw = "http://" + a.getAddress().getHostAddress() + ":" + a.getPort();
        PrintWriter out = spec.commandLine().getOut();
        out.print(instructions(gw, sim.port(), state, key, metaKey));
        out.flush();
        UntilStopped.await(() -> {
            corral.close();
            sim.close();
            deleteTree(state);
        });
        return CorralCommand.OK;
    }

    /** What the demo prints: the keys, the commands to try, and how to see the usage they leave. */
    static String instructions(String gw, int simPort, Path state, String key, String metaKey) {
        return """

                Corral demo: gateway %1$s  ->  simulated Ollama http://127.0.0.1:%2$d
                State (keys, usage) in %3$s, removed on exit.

                export KEY=%4$s
                export META_KEY=%5$s   # meta scope only

                Try:
                  curl -i %1$s/api/tags                                   # 401: no key
                  curl -s -H "Authorization: Bearer $KEY" %1$s/api/tags   # models this key may see
                  curl -sN -H "Authorization: Bearer $KEY" %1$s/api/chat \\
                       -d '{"model":"llama3.2:3b","messages":[{"role":"user","content":"hello"}]}'
                  curl -sN -H "Authorization: Bearer $KEY" %1$s/v1/chat/completions \\
                       -d '{"model":"llama3.2:3b","stream":true,"messages":[{"role":"user","content":"hi"}]}'
                  curl -i -H "Authorization: Bearer $KEY" %1$s/api/pull -d '{"model":"llama3"}'     # 404: admin routes are closed
                  curl -i -H "Authorization: Bearer $KEY" %1$s/api/chat -d '{"model":"qwen2.5:7b"}' # 403: not in this key's models
                  curl -i -H "Authorization: Bearer $META_KEY" %1$s/api/generate -d '{"model":"llama3.2:3b"}' # 403: meta scope

                With a client:  OLLAMA_HOST=%1$s OLLAMA_API_KEY=$KEY python3 -c 'import ollama; print(ollama.list())'
                What each key used (in another terminal, while the demo runs):
                  ./corral usage --state-dir %3$s --by key
                The access log is below.
                Press Ctrl-C to stop.

                """.formatted(gw, simPort, state, key, metaKey);
    }

    private static boolean free(HostPort hp) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(hp.toSocketAddress());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: it is a temporary directory
        }
    }
}
