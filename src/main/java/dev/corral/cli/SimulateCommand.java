package dev.corral.cli;

import dev.corral.config.HostPort;
import dev.corral.sim.SimConfig;
import dev.corral.sim.Simulator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `corral simulate`: an Ollama-compatible server with no GPU, for trying policies and load. */
@Command(name = "simulate", description = {
        "Run an Ollama-compatible simulator (no GPU needed).",
        "Per request, headers X-Sim-Tokens, X-Sim-Tokens-Per-Second, X-Sim-First-Byte-Delay-Ms and",
        "X-Sim-Fail-After override the generation; GET /__sim/stats shows what it saw."})
final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:11434",
            description = "Address to serve on (default ${DEFAULT-VALUE}, Ollama's own).")
    String listen;

    @Option(names = "--models", paramLabel = "A,B", split = ",",
            description = "Models it has (default llama3.2:3b, qwen2.5:7b, nomic-embed-text:latest).")
    List<String> models;

    @Option(names = "--tokens", paramLabel = "N", defaultValue = "12", description = "Completion tokens per answer (default ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--tokens-per-second", paramLabel = "R", defaultValue = "0",
            description = "Streaming pace; 0 = as fast as the client reads (default ${DEFAULT-VALUE}).")
    double tokensPerSecond;

    @Option(names = "--first-byte-delay", paramLabel = "MS", defaultValue = "0",
            description = "Delay before the first byte of a model answer, as a model load (default ${DEFAULT-VALUE}).")
    long firstByteDelay;

    @Option(names = "--verbose", description = "Show stack traces on errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        HostPort hp = CorralCommand.address("--listen", listen);
        if (tokens < 0 || tokensPerSecond < 0 || firstByteDelay < 0) {
            throw new CorralCommand.UsageError("--tokens, --tokens-per-second and --first-byte-delay must not be negative");
        }
        SimConfig cfg = SimConfig.defaults(hp).withTokens(tokens).withTokensPerSecond(tokensPerSecond)
                .withFirstByteDelayMs(firstByteDelay);
        if (models != null && !models.isEmpty()) {
            cfg = cfg.withModels(models.stream().map(String::trim).filter(s -> !s.isEmpty()).toList());
        }
        Simulator sim;
        try {
            sim = Simulator.start(cfg);
        } catch (Exception e) {
            throw new CorralCommand.Failure("cannot listen on " + hp + ": " + e.getMessage());
        }
        System.err.println("Ollama simulator on http://" + hp.host() + ":" + sim.port() + " with models "
                + String.join(", ", cfg.models()));
        UntilStopped.await(sim::close);
        return CorralCommand.OK;
    }
}
