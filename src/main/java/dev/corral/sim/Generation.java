package dev.corral.sim;

import java.time.Instant;
import java.util.List;

/**
 * One simulated generation: the model, the counts Ollama would report, the tokens to send and how.
 *
 * @param doneReason "stop", or "length" when num_predict / max_tokens cut it short
 */
record Generation(String requestId, String path, String model, int promptTokens, List<String> tokens,
                  String doneReason, boolean stream, Instant created, long id) {

    static final String[] WORDS = ("The quick brown fox jumps over the lazy dog while a careful operator keeps"
            + " every GPU busy only for callers holding a valid key and nothing leaks").split(" ");

    static List<String> tokens(int n) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = WORDS[i % WORDS.length] + " ";
        }
        return List.of(out);
    }

    int completionTokens() {
        return tokens.size();
    }

    String text() {
        return String.join("", tokens);
    }

    /** Durations Ollama reports, in nanoseconds, made up but consistent with each other. */
    long promptEvalNanos() {
        return 1_000_000L * Math.max(1, promptTokens);
    }

    long evalNanos() {
        return 20_000_000L * Math.max(1, tokens.size());
    }

    long loadNanos() {
        return 5_000_000L;
    }

    long totalNanos() {
        return loadNanos() + promptEvalNanos() + evalNanos();
    }
}
