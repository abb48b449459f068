package dev.corral.pipeline;

/** A forwarded exchange as the connection holds it: what to tell it when the client changes. */
public interface Forwarding {
    /** The client's socket filled or drained. */
    void clientWritable(boolean writable);

    /** The client went away: Ollama's work stops now. */
    void clientGone();
}
