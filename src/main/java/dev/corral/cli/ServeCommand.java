package dev.corral.cli;

import dev.corral.Corral;
import dev.corral.config.Settings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `corral serve`: runs the gateway until stopped (SIGTERM or Ctrl-C close it cleanly). */
@Command(name = "serve", description = "Run the gateway in front of Ollama.")
final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(Corral.class);

    @Mixin
    ConfigOptions config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Public listener (default 127.0.0.1:11443).")
    String listen;

    @Option(names = "--upstream", paramLabel = "URL", description = "Ollama's URL (default http://127.0.0.1:11434).")
    String upstream;

    @Override
    public Integer call() throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        if (listen != null) {
            o.put("listen.address", listen);
        }
        if (upstream != null) {
            o.put("upstream.url", upstream);
        }
        // logged like the start's other warnings, once per start
        Settings settings = config.load(o, w -> log.warn("{}", w));
        Corral corral = Corral.start(settings, java.time.Clock.systemUTC(), java.util.List.of(), config.source(o));
        Reloads.onHangup(() -> corral.reloadConfig("signal:HUP"));
        UntilStopped.await(corral::close);
        return CorralCommand.OK;
    }
}
