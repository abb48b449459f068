package dev.corral.sim;

import dev.corral.config.HostPort;
import java.util.List;

/**
 * How the simulator behaves. Each request can override the generation knobs with headers
 * (X-Sim-Tokens, X-Sim-Tokens-Per-Second, X-Sim-First-Byte-Delay-Ms, X-Sim-Fail-After), which a
 * gateway passes through like any end-to-end header.
 *
 * @param tokens          completion tokens per generation
 * @param tokensPerSecond pace of streamed tokens; 0 streams as fast as the client reads
 * @param firstByteDelayMs wait before the first byte of any model response (model load time)
 * @param pullPaceMs      wait between two progress lines of a pull; 0 sends them all at once
 */
public record SimConfig(HostPort listen, List<String> models, int tokens, double tokensPerSecond, long firstByteDelayMs,
                        String version, long pullPaceMs) {

    public static final List<String> DEFAULT_MODELS = List.of("llama3.2:3b", "qwen2.5:7b", "nomic-embed-text:latest");

    public static SimConfig defaults(HostPort listen) {
        return new SimConfig(listen, DEFAULT_MODELS, 12, 0, 0, "0.12.6", 0);
    }

    public SimConfig withModels(List<String> m) {
        return new SimConfig(listen, m, tokens, tokensPerSecond, firstByteDelayMs, version, pullPaceMs);
    }

    public SimConfig withTokens(int n) {
        return new SimConfig(listen, models, n, tokensPerSecond, firstByteDelayMs, version, pullPaceMs);
    }

    public SimConfig withTokensPerSecond(double r) {
        return new SimConfig(listen, models, tokens, r, firstByteDelayMs, version, pullPaceMs);
    }

    public SimConfig withFirstByteDelayMs(long ms) {
        return new SimConfig(listen, models, tokens, tokensPerSecond, ms, version, pullPaceMs);
    }

    public SimConfig withPullPaceMs(long ms) {
        return new SimConfig(listen, models, tokens, tokensPerSecond, firstByteDelayMs, version, ms);
    }
}
